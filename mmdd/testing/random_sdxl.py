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
from typing import Dict, Optional, Union

import torch
from diffusers import (EulerDiscreteScheduler, StableDiffusionXLPipeline,
                       UNet2DConditionModel)
from transformers import CLIPTextModel, CLIPTextModelWithProjection

from mmdd.diffusion.assemble import sdxl_pipeline
from mmdd.diffusion.clip_tokenizer import clip_tokenizer
from .random_pipeline import clip_text_config, random_vae

_DOWN = ('DownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D')
_UP = ('CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'UpBlock2D')
_SIX_SIZE_NUMBERS = 6  # original size, crop top-left, target size


def _preset(unet: dict, vae: dict, text: dict, text_2: dict,
            time_dim: int) -> dict:
    unet = dict(
        down_block_types=_DOWN, up_block_types=_UP, use_linear_projection=True,
        addition_embed_type='text_time', addition_time_embed_dim=time_dim,
        cross_attention_dim=text['hidden_size'] + text_2['hidden_size'],
        projection_class_embeddings_input_dim=(text_2['projection_dim'] +
                                               _SIX_SIZE_NUMBERS * time_dim),
        **unet)
    return dict(unet=unet, vae=vae, text=text, text_2=text_2)


SDXL_SIZES: Dict[str, dict] = {
    'tiny':
    _preset(
        unet=dict(
            block_out_channels=(32, 64, 64), layers_per_block=1,
            transformer_layers_per_block=(1, 1, 2),
            attention_head_dim=(2, 4, 4), sample_size=16), vae=dict(
                block_out_channels=(16, 16, 16, 16), layers_per_block=1,
                norm_num_groups=8),
        text=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                  num_attention_heads=4, projection_dim=32),
        text_2=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                    num_attention_heads=4, projection_dim=32), time_dim=8),
    'small':
    _preset(
        unet=dict(
            block_out_channels=(64, 128, 256), layers_per_block=2,
            transformer_layers_per_block=(1, 2, 4),
            attention_head_dim=(2, 4, 8), sample_size=32),
        vae=dict(block_out_channels=(32, 64, 64, 64), layers_per_block=1),
        text=dict(hidden_size=128, intermediate_size=512, num_hidden_layers=4,
                  num_attention_heads=4, projection_dim=128),
        text_2=dict(hidden_size=256, intermediate_size=1024,
                    num_hidden_layers=4, num_attention_heads=4,
                    projection_dim=256), time_dim=32),
    'sdxl':
    _preset(
        unet=dict(
            block_out_channels=(320, 640, 1280), layers_per_block=2,
            transformer_layers_per_block=(1, 2, 10),
            attention_head_dim=(5, 10, 20), sample_size=128), vae=dict(
                block_out_channels=(128, 256, 512, 512), layers_per_block=2,
                scaling_factor=0.13025),
        text=dict(hidden_size=768, intermediate_size=3072,
                  num_hidden_layers=12, num_attention_heads=12,
                  projection_dim=768, hidden_act='quick_gelu'),
        text_2=dict(hidden_size=1280, intermediate_size=5120,
                    num_hidden_layers=32, num_attention_heads=20,
                    projection_dim=1280, hidden_act='gelu'), time_dim=256),
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
