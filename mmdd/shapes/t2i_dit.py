"""The diffusion-transformer shapes model (``shapes-dit``): SD3's layout.

``SD3Transformer2DModel`` with QK RMS-norm (as SD3.5) on 16x16 image tokens
(2x2 patches of the SD-grid model's 32x32x4 latents), two CLIP text
encoders with projection and no T5, trained by rectified flow as SD3
(logit-normal timesteps, velocity ``noise - latents``) and sampled by
``FlowMatchEulerDiscreteScheduler``. SD3 rather than FLUX.1: FLUX.1 is
guidance-distilled (its pipelines skip the negative branch), while a model
trained from scratch here needs classifier-free guidance, which SD3's
pipeline applies as SD's does.

The pooled vector is zero: both encoders' text projections are zero and
never trained. SD3 feeds the pooled caption into every block's
modulation; for captions this short it holds the whole caption, and a
first model (1500 steps on an H200) painted from it while its pixels
attended to no word (label mIoU 10-30). With it gone, pixels must read
the words, as in SD3 they must for anything a pooled vector cannot hold.

The pipeline sees no T5: it fills T5's part of the sequence with
``max_sequence_length`` zero tokens, and the model was trained with none,
so generate with ``max_sequence_length=0``, as
``configs/_base_/generation/shapes_dit.py`` does
(:func:`mmdd.shapes.fidelity.shapes_dit_generation_config` reads it).
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from diffusers import (AutoencoderKL, FlowMatchEulerDiscreteScheduler,
                       SD3Transformer2DModel, StableDiffusion3Pipeline)

from mmdd.diffusion.assemble import sd3_pipeline
from .t2i_parts import new_autoencoder, shapes_tokenizer, text_encoder
from .t2i_settings import TrainSettings

HEAD_WIDTH = 32
PATCH = 2
TRAINED = ('transformer', 'text_encoder', 'text_encoder_2')


def build(settings: TrainSettings,
          vae: Optional[AutoencoderKL] = None) -> StableDiffusion3Pipeline:
    tokenizer = shapes_tokenizer()
    encoders = [
        text_encoder(settings, tokenizer, projection=True) for _ in range(2)
    ]
    for encoder in encoders:  # no pooled summary of the caption, below
        encoder.text_projection.weight.data.zero_()
        encoder.text_projection.requires_grad_(False)
    width = settings.dit_heads * HEAD_WIDTH
    tokens = settings.latent_size // PATCH
    transformer = SD3Transformer2DModel(
        sample_size=settings.latent_size, patch_size=PATCH, in_channels=4,
        out_channels=4, num_layers=settings.dit_layers,
        attention_head_dim=HEAD_WIDTH, num_attention_heads=settings.dit_heads,
        joint_attention_dim=2 * settings.text_width,
        caption_projection_dim=width,
        pooled_projection_dim=2 * settings.text_width,
        pos_embed_max_size=tokens, qk_norm='rms_norm')
    vae = new_autoencoder(settings) if vae is None else vae
    vae.register_to_config(shift_factor=0.0)  # SD3 decodes with a shift
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000,
                                                shift=1.0)
    return sd3_pipeline(vae, encoders + [None], [tokenizer, tokenizer, None],
                        transformer, scheduler)


def encode_text(pipeline: StableDiffusion3Pipeline,
                ids: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Token states and pooled vector as SD3's ``encode_prompt`` makes
    them without T5: both encoders' penultimate states side by side, both
    projections of the end token side by side."""
    states, pooled = [], []
    for encoder in (pipeline.text_encoder, pipeline.text_encoder_2):
        output = encoder(ids, output_hidden_states=True)
        states.append(output.hidden_states[-2])
        pooled.append(output.text_embeds)
    return torch.cat(states, dim=-1), torch.cat(pooled, dim=-1)


class Objective:
    """Rectified flow: x_s = (1 - s) latents + s noise, s = sigmoid(u) with
    u ~ N(0, 1) (SD3's logit-normal), predict noise - latents; the
    transformer sees the timestep 1000 s, as the scheduler passes it."""

    def __init__(self, pipeline: StableDiffusion3Pipeline):
        self.pipeline = pipeline

    def loss(self, latents: torch.Tensor, ids: torch.Tensor,
             rng: torch.Generator) -> torch.Tensor:
        device = self.pipeline.transformer.device
        noise = torch.randn(latents.shape, generator=rng)
        sigma = torch.sigmoid(torch.randn(len(ids), generator=rng))
        s = sigma.view(-1, 1, 1, 1)
        noisy = (1 - s) * latents + s * noise
        states, pooled = encode_text(self.pipeline, ids.to(device))
        prediction = self.pipeline.transformer(
            hidden_states=noisy.to(device), encoder_hidden_states=states,
            pooled_projections=pooled, timestep=(1000 * sigma).to(device),
            return_dict=False)[0]
        return F.mse_loss(prediction, (noise - latents).to(device))
