"""Random-weight SDXL pipelines built from configs, offline.

The SDXL layout at any width: a UNet whose first level has no attention,
two text encoders (``CLIPTextModel`` and ``CLIPTextModelWithProjection``)
whose penultimate states are concatenated for cross-attention, the pooled
projection and six size/crop numbers as added conditioning
(``addition_embed_type='text_time'``), a VAE with factor 8 and
``force_upcast``, and the Euler scheduler. Both tokenizers are the real CLIP
BPE; ``tokenizer_2`` pads with ``!`` and keeps ``!`` a special token, as
SDXL's does.

Sizes:

- ``tiny``: 128x128 images, UNet (32, 64, 64); seconds on a CPU.
- ``small``: SDXL topology (layers per block 2, transformer depths 1/2/4),
  narrow, 256x256; for the CPU overhead benchmark.
- ``sdxl``: the full SDXL base 1.0 architecture, 1024x1024 (2.6B-param UNet;
  for GPU benchmarks).
"""
import copy
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import torch
from diffusers import (EulerDiscreteScheduler, StableDiffusionXLPipeline,
                       UNet2DConditionModel)
from transformers import CLIPTextModel, CLIPTextModelWithProjection

from mmdd.diffusion.assemble import sdxl_pipeline
from mmdd.diffusion.clip_tokenizer import clip_tokenizer
from .part_sizes import (CLIP_G, CLIP_L, CLIP_TINY, REAL_VAE, SMALL_VAE,
                         clip_text)
from .random_pipeline import clip_text_config, random_vae

_DOWN = ('DownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D')
_UP = ('CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'UpBlock2D')
_SIX_SIZE_NUMBERS = 6  # original size, crop top-left, target size


def _preset(channels: Tuple[int, ...], layers: int, depths: Tuple[int, ...],
            head_dims: Tuple[int, ...], sample_size: int, vae: dict,
            text: dict, text_2: dict, time_dim: int) -> dict:
    """An SDXL-layout preset: UNet levels of ``channels`` with ``layers``
    resnets each, ``depths`` transformer layers and ``head_dims``."""
    unet = dict(
        down_block_types=_DOWN, up_block_types=_UP, use_linear_projection=True,
        addition_embed_type='text_time', addition_time_embed_dim=time_dim,
        cross_attention_dim=text['hidden_size'] + text_2['hidden_size'],
        projection_class_embeddings_input_dim=(text_2['projection_dim'] +
                                               _SIX_SIZE_NUMBERS * time_dim),
        block_out_channels=channels, layers_per_block=layers,
        transformer_layers_per_block=depths, attention_head_dim=head_dims,
        sample_size=sample_size)
    return dict(unet=unet, vae=vae, text=text, text_2=text_2)


_TINY_VAE = dict(
    block_out_channels=(16, 16, 16, 16), layers_per_block=1, norm_num_groups=8)
SDXL_SIZES: Dict[str, dict] = {
    'tiny':
    _preset((32, 64, 64), 1, (1, 1, 2), (2, 4, 4), 16, _TINY_VAE, CLIP_TINY,
            CLIP_TINY, time_dim=8),
    'small':
    _preset((64, 128, 256), 2, (1, 2, 4), (2, 4, 8), 32, SMALL_VAE,
            clip_text(128, 4, 4), clip_text(256, 4, 4), time_dim=32),
    'sdxl':
    _preset((320, 640, 1280), 2, (1, 2, 10), (5, 10, 20), 128,
            dict(REAL_VAE, scaling_factor=0.13025), CLIP_L, CLIP_G,
            time_dim=256),
}


def build_random_sdxl_pipeline(
        size: str = 'tiny', seed: int = 0,
        bpe_path: Optional[Union[str,
                                 Path]] = None) -> StableDiffusionXLPipeline:
    """An SDXL pipeline with random weights from a size preset."""
    if size not in SDXL_SIZES:
        raise ValueError(
            f'unknown SDXL size {size!r}; choose one of {list(SDXL_SIZES)}')
    preset = SDXL_SIZES[size]
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(in_channels=4, out_channels=4,
                                **preset['unet'])
    vae = random_vae(preset['vae'], preset['unet']['sample_size'],
                     force_upcast=True)
    text_encoder = CLIPTextModel(clip_text_config(**preset['text']))
    text_encoder_2 = CLIPTextModelWithProjection(
        clip_text_config(**preset['text_2']))
    tokenizer = clip_tokenizer(bpe_path)
    tokenizer_2 = copy.deepcopy(tokenizer)
    # As SDXL's: '!' is the pad and a special token ('!!' -> 0, 0).
    tokenizer_2.add_special_tokens({'pad_token': '!'})
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012,
                                       beta_schedule='scaled_linear',
                                       steps_offset=1,
                                       timestep_spacing='leading')
    return sdxl_pipeline(vae, (text_encoder, text_encoder_2),
                         (tokenizer, tokenizer_2), unet, scheduler)


def save_random_sdxl_pipeline(folder: Union[str, Path], size: str = 'tiny',
                              seed: int = 0) -> Path:
    """Write a random-weight SDXL folder for ``from_pretrained``."""
    folder = Path(folder)
    build_random_sdxl_pipeline(size, seed).save_pretrained(folder)
    return folder
