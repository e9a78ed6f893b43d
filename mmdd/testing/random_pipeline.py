"""Random-weight Stable Diffusion pipelines built from configs, offline.

Used by the tests, the demo config and the benchmarks: no hub download is
needed. The tokenizer is the real CLIP tokenizer
(:func:`mmdd.diffusion.clip_tokenizer.clip_tokenizer`), so multi-token class
names split exactly as with a real checkpoint.

Sizes:

- ``tiny``: 3-level UNet (32, 64, 64), 64x64 images; runs in seconds on a CPU.
- ``small``: SD 1.x topology (4 levels, 3 with attention), narrow, 256x256.
- ``sd15``: the full Stable Diffusion 1.5 architecture, 512x512 (860M-param
  UNet; for GPU benchmarks).
- ``sd21-base``: the full Stable Diffusion 2.1-base architecture, 512x512
  (per-level head counts, linear projections, the 1024-wide 23-layer
  OpenCLIP ViT-H text encoder; for GPU benchmarks).
"""
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import torch
from diffusers import (AutoencoderKL, DDIMScheduler, StableDiffusionPipeline,
                       UNet2DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel

from mmdd.diffusion.assemble import sd_pipeline
from mmdd.diffusion.clip_tokenizer import CLIP_VOCAB_SIZE, clip_tokenizer
from .part_sizes import CLIP_TINY, REAL_VAE, SMALL_VAE, clip_text

_SD_DOWN = ('CrossAttnDownBlock2D', 'CrossAttnDownBlock2D',
            'CrossAttnDownBlock2D', 'DownBlock2D')
_SD_UP = ('UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D',
          'CrossAttnUpBlock2D')


def _sd_topology(channels: Tuple[int, ...], sample_size: int, width: int,
                 vae: dict, text_layers: int, text_heads: int, **text) -> dict:
    """A preset with SD 1.x's topology: 4 UNet levels, 3 with attention,
    a text encoder of ``width`` (the UNet's cross-attention width)."""
    return dict(
        unet=dict(block_out_channels=channels, layers_per_block=2,
                  sample_size=sample_size, attention_head_dim=8,
                  cross_attention_dim=width, down_block_types=_SD_DOWN,
                  up_block_types=_SD_UP), vae=vae,
        text=clip_text(width, text_layers, text_heads, **text))


SIZES: Dict[str, dict] = {
    'tiny':
    dict(
        unet=dict(
            block_out_channels=(32, 64, 64), layers_per_block=1,
            sample_size=32, attention_head_dim=2, cross_attention_dim=32,
            down_block_types=('DownBlock2D', 'CrossAttnDownBlock2D',
                              'CrossAttnDownBlock2D'),
            up_block_types=('CrossAttnUpBlock2D', 'CrossAttnUpBlock2D',
                            'UpBlock2D')),
        vae=dict(block_out_channels=(32, 64),
                 layers_per_block=1), text=CLIP_TINY),
    'small':
    _sd_topology((64, 128, 256, 256), 32, width=256, vae=SMALL_VAE,
                 text_layers=4, text_heads=4),
    'sd15':
    _sd_topology((320, 640, 1280, 1280), 64, width=768, vae=REAL_VAE,
                 text_layers=12, text_heads=12, hidden_act='quick_gelu'),
    'sd21-base':
    _sd_topology((320, 640, 1280, 1280), 64, width=1024, vae=REAL_VAE,
                 text_layers=23, text_heads=16, hidden_act='gelu'),
}
SIZES['sd21-base']['unet'].update(
    attention_head_dim=(5, 10, 20, 20), use_linear_projection=True)


def random_vae(preset: dict, latent_size: int, **extra) -> AutoencoderKL:
    """A random VAE whose latent is ``latent_size`` (factor 2**(levels-1))."""
    levels = len(preset['block_out_channels'])
    extra.setdefault('latent_channels', 4)
    return AutoencoderKL(in_channels=3, out_channels=3,
                         down_block_types=('DownEncoderBlock2D', ) * levels,
                         up_block_types=('UpDecoderBlock2D', ) * levels,
                         sample_size=latent_size * 2**(levels - 1), **preset,
                         **extra)


def clip_text_config(**preset) -> CLIPTextConfig:
    """A CLIP text config over the full CLIP vocabulary, 77 tokens."""
    return CLIPTextConfig(vocab_size=CLIP_VOCAB_SIZE,
                          max_position_embeddings=77,
                          bos_token_id=CLIP_VOCAB_SIZE - 2,
                          eos_token_id=CLIP_VOCAB_SIZE - 1,
                          pad_token_id=CLIP_VOCAB_SIZE - 1, **preset)


def build_random_pipeline(
        size: str = 'tiny', seed: int = 0,
        bpe_path: Optional[Union[str,
                                 Path]] = None) -> StableDiffusionPipeline:
    """A Stable Diffusion pipeline with random weights from a size preset."""
    if size not in SIZES:
        raise ValueError(f'unknown size {size!r}; choose one of {list(SIZES)}')
    preset = SIZES[size]
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(in_channels=4, out_channels=4,
                                **preset['unet'])
    vae = random_vae(preset['vae'], preset['unet']['sample_size'])
    text_encoder = CLIPTextModel(clip_text_config(**preset['text']))
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012,
                              beta_schedule='scaled_linear', clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1)
    return sd_pipeline(vae, text_encoder, clip_tokenizer(bpe_path), unet,
                       scheduler)


def save_random_pipeline(folder: Union[str, Path], size: str = 'tiny',
                         seed: int = 0) -> Path:
    """Write a random-weight pipeline folder for ``from_pretrained``."""
    folder = Path(folder)
    build_random_pipeline(size, seed).save_pretrained(folder)
    return folder
