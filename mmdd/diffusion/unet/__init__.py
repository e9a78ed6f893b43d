"""The UNet side (SD 1.x/2.x, SDXL): attention layers and their recording
processors."""
