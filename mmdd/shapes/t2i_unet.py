"""The UNet shapes models: Stable Diffusion's layout, epsilon prediction
on SD 1.x's noise schedule (``shapes-t2i``, ``shapes-t2i-sd``)."""
from typing import Optional

import torch
import torch.nn.functional as F
from diffusers import (AutoencoderKL, DDIMScheduler, DDPMScheduler,
                       StableDiffusionPipeline, UNet2DConditionModel)

from mmdd.diffusion.assemble import sd_pipeline
from .t2i_parts import new_autoencoder, shapes_tokenizer, text_encoder
from .t2i_settings import TrainSettings

# SD 1.x's noise schedule, so the pipeline samples as with a real checkpoint.
SCHEDULE = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                beta_schedule='scaled_linear')
TRAINED = ('unet', 'text_encoder')


def build(settings: TrainSettings,
          vae: Optional[AutoencoderKL] = None) -> StableDiffusionPipeline:
    """Parts are drawn in a fixed order (text encoder, UNet, autoencoder):
    the shipped models' bytes depend on it."""
    tokenizer = shapes_tokenizer()
    encoder = text_encoder(settings, tokenizer)
    fine_down = ('CrossAttnDownBlock2D'
                 if settings.fine_down_attention else 'DownBlock2D')
    fine_up = ('CrossAttnUpBlock2D'
               if settings.fine_up_attention else 'UpBlock2D')
    unet = UNet2DConditionModel(
        sample_size=settings.latent_size,
        in_channels=4,
        out_channels=4,
        block_out_channels=tuple(settings.unet_channels),
        layers_per_block=1,
        down_block_types=(fine_down, 'CrossAttnDownBlock2D'),
        up_block_types=('CrossAttnUpBlock2D', fine_up),
        cross_attention_dim=settings.text_width,
        **({} if settings.coarse_self_attention else dict(
            only_cross_attention=(False, True), mid_block_type=None)),
        # diffusers' legacy name: these are head counts, not head widths
        # (one number when equal, as the first shipped model was saved)
        attention_head_dim=(settings.unet_heads[0] if len(
            set(settings.unet_heads)) == 1 else tuple(settings.unet_heads)),
        norm_num_groups=16)
    vae = new_autoencoder(settings) if vae is None else vae
    scheduler = DDIMScheduler(clip_sample=False, set_alpha_to_one=False,
                              steps_offset=1, **SCHEDULE)
    return sd_pipeline(vae, encoder, tokenizer, unet, scheduler)


class Objective:
    """Epsilon prediction at a uniform random timestep."""

    def __init__(self, pipeline: StableDiffusionPipeline):
        self.pipeline = pipeline
        self.noise_schedule = DDPMScheduler(**SCHEDULE)

    def loss(self, latents: torch.Tensor, ids: torch.Tensor,
             rng: torch.Generator) -> torch.Tensor:
        device = self.pipeline.unet.device
        noise = torch.randn(latents.shape, generator=rng)
        timesteps = torch.randint(0, SCHEDULE['num_train_timesteps'],
                                  (len(ids), ), generator=rng)
        noisy = self.noise_schedule.add_noise(latents, noise, timesteps)
        states = self.pipeline.text_encoder(ids.to(device))[0]
        prediction = self.pipeline.unet(
            noisy.to(device), timesteps.to(device), states).sample
        return F.mse_loss(prediction, noise.to(device))
