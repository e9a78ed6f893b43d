"""The diffusion-transformer side (SD3 / SD3.5, FLUX.1): blocks, recording
processors, the side stream of class-prompt and concept tokens, the
recorder and its reader."""
