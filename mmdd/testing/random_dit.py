"""Random-weight SD3 / SD3.5 and FLUX.1 pipelines built from configs, offline.

Both are diffusion transformers in diffusers' layout: SD3's
``SD3Transformer2DModel`` (joint blocks, image tokens first; SD3.5 adds QK
RMS-norm and image-only ``attn2`` in its first blocks) with two CLIP text
encoders and T5, and FLUX.1's ``FluxTransformer2DModel`` (double-stream
blocks, text first, RoPE, then single-stream blocks) with CLIP (pooled only)
and T5. The CLIP tokenizers are the real CLIP BPE; the T5 tokenizer is a
Unigram one over a word list (:mod:`mmdd.testing.t5_tokenizer`). Every part
is put in ``eval()`` mode (T5's dropout would make runs differ).

Sizes (``family`` is ``sd3`` or ``flux``):

- ``tiny`` (sd3, sd35, flux): 64x64 images, 16x16 image tokens, two or
  four blocks; seconds on a CPU.
- ``small`` (sd35, flux): 256x256 images with a VAE of factor 8, 16x16
  tokens, 6 (SD3.5) or 3 + 6 (FLUX) blocks 128 wide; the CPU benchmark.
- ``sd35-medium``, ``flux-dev``, ``flux-schnell``: the real architectures
  at 1024x1024 (T5-XXL, CLIP-L / CLIP-G); GPU benchmarks only. Build them
  with ``device='cuda'`` so the weights are drawn on the GPU.
"""
from pathlib import Path
from typing import Dict, Optional, Union

import torch
from diffusers import (FlowMatchEulerDiscreteScheduler, FluxTransformer2DModel,
                       SD3Transformer2DModel)
from transformers import (CLIPTextModel, CLIPTextModelWithProjection, T5Config,
                          T5EncoderModel)

from mmdd.diffusion.assemble import flux_pipeline, sd3_pipeline
from mmdd.diffusion.clip_tokenizer import clip_tokenizer
from .part_sizes import (CLIP_G, CLIP_L, CLIP_TINY, REAL_VAE, SMALL_VAE,
                         clip_text)
from .random_pipeline import clip_text_config, random_vae
from .t5_tokenizer import t5_tokenizer

_TINY_VAE = dict(
    block_out_channels=(16, 16), layers_per_block=1, norm_num_groups=8)
_CLIP_SMALL = clip_text(64, 2, 4)
_T5_XXL = dict(d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
               feed_forward_proj='gated-gelu')
_TINY_T5 = dict(d_model=64, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                relative_attention_num_buckets=8)
_SMALL_T5 = dict(d_model=128, d_kv=32, d_ff=256, num_layers=2, num_heads=4,
                 relative_attention_num_buckets=8)


def _sd3_blocks(layers: int, head_dim: int, heads: int, caption_dim: int,
                sample_size: int = 32, patch_size: int = 2,
                pos_embed_max_size: int = 32, **extra) -> dict:
    """An ``SD3Transformer2DModel``'s size: ``layers`` joint blocks of
    ``heads`` x ``head_dim``."""
    return dict(sample_size=sample_size, patch_size=patch_size,
                num_layers=layers, attention_head_dim=head_dim,
                num_attention_heads=heads, caption_projection_dim=caption_dim,
                pos_embed_max_size=pos_embed_max_size, **extra)


def _flux_blocks(layers: int, single_layers: int, head_dim: int, heads: int,
                 rope: tuple) -> dict:
    """A ``FluxTransformer2DModel``'s size: ``layers`` double-stream and
    ``single_layers`` single-stream blocks, RoPE axes ``rope``."""
    return dict(patch_size=1, num_layers=layers,
                num_single_layers=single_layers, attention_head_dim=head_dim,
                num_attention_heads=heads, axes_dims_rope=rope)


_TINY_SD3 = _sd3_blocks(2, 8, 4, 32)
_SD35_MEDIUM = _sd3_blocks(24, 64, 24, 1536, sample_size=128,
                           pos_embed_max_size=384,
                           dual_attention_layers=tuple(range(13)),
                           qk_norm='rms_norm')
_FLUX = _flux_blocks(19, 38, 128, 24, (16, 56, 56))


def _sd3(transformer: dict, vae: dict, clip: dict, clip_2: dict, t5: dict,
         latent_channels: int = 4, **extra) -> dict:
    transformer = dict(
        in_channels=latent_channels, out_channels=latent_channels,
        pooled_projection_dim=clip['projection_dim'] +
        clip_2['projection_dim'], joint_attention_dim=t5['d_model'],
        **transformer)
    return dict(family='sd3', transformer=transformer, vae=vae,
                latent_channels=latent_channels, text=(clip, clip_2), t5=t5,
                **extra)


def _flux(transformer: dict, vae: dict, clip: dict, t5: dict,
          latent_channels: int = 4, **extra) -> dict:
    transformer = dict(in_channels=4 * latent_channels,
                       pooled_projection_dim=clip['hidden_size'],
                       joint_attention_dim=t5['d_model'], **transformer)
    return dict(family='flux', transformer=transformer, vae=vae,
                latent_channels=latent_channels, text=(clip, ), t5=t5, **extra)


_TINY_PARTS = (_TINY_VAE, CLIP_TINY, CLIP_TINY, _TINY_T5)
DIT_SIZES: Dict[str, dict] = {
    'sd3-tiny':
    _sd3(_TINY_SD3, *_TINY_PARTS),
    'sd35-tiny':
    _sd3(
        dict(_TINY_SD3, num_layers=3, dual_attention_layers=(0, ),
             qk_norm='rms_norm'), *_TINY_PARTS),
    'sd35-small':
    _sd3(
        _sd3_blocks(6, 32, 4, 128, dual_attention_layers=(0, 1),
                    qk_norm='rms_norm'), SMALL_VAE, _CLIP_SMALL, _CLIP_SMALL,
        _SMALL_T5),
    'sd35-medium':
    _sd3(_SD35_MEDIUM, REAL_VAE, CLIP_L, CLIP_G, _T5_XXL, latent_channels=16,
         max_sequence_length=256),
    'flux-tiny':
    _flux(
        _flux_blocks(2, 2, 16, 2, (4, 6, 6)), _TINY_VAE, CLIP_TINY, _TINY_T5,
        sample_size=32),
    'flux-small':
    _flux(
        _flux_blocks(3, 6, 32, 4, (8, 12, 12)), SMALL_VAE, _CLIP_SMALL,
        _SMALL_T5, sample_size=32),
    'flux-dev':
    _flux(
        dict(_FLUX, guidance_embeds=True), REAL_VAE, CLIP_L, _T5_XXL,
        latent_channels=16, sample_size=128, max_sequence_length=512),
    'flux-schnell':
    _flux(_FLUX, REAL_VAE, CLIP_L, _T5_XXL, latent_channels=16,
          sample_size=128, max_sequence_length=256, shift=1.0),
}


def _scheduler(preset: dict) -> FlowMatchEulerDiscreteScheduler:
    if preset['family'] == 'sd3':
        return FlowMatchEulerDiscreteScheduler(shift=3.0)
    if 'shift' in preset:  # schnell: no resolution-dependent shift
        return FlowMatchEulerDiscreteScheduler(shift=preset['shift'])
    return FlowMatchEulerDiscreteScheduler(shift=3.0,
                                           use_dynamic_shifting=True,
                                           base_shift=0.5, max_shift=1.15,
                                           base_image_seq_len=256,
                                           max_image_seq_len=4096)


def build_random_dit_pipeline(size: str = 'flux-tiny', seed: int = 0,
                              bpe_path: Optional[Union[str, Path]] = None,
                              device: Union[str, torch.device] = 'cpu',
                              dtype: torch.dtype = torch.float32):
    """An SD3 / SD3.5 or FLUX.1 pipeline with random weights, in eval mode.

    ``device``/``dtype``: where and in which precision the weights are
    drawn (the real sizes take minutes to initialise on a CPU).
    """
    if size not in DIT_SIZES:
        raise ValueError(
            f'unknown DiT size {size!r}; choose one of {list(DIT_SIZES)}')
    preset = DIT_SIZES[size]
    torch.manual_seed(seed)
    latent = preset['transformer'].get('sample_size',
                                       preset.get('sample_size'))
    old_dtype = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            parts = _build_parts(preset, latent, bpe_path)
    finally:
        torch.set_default_dtype(old_dtype)
    pipeline = (sd3_pipeline if preset['family'] == 'sd3' else flux_pipeline)(
        *parts, _scheduler(preset))
    for component in pipeline.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval()
    return pipeline


def _build_parts(preset: dict, latent: int, bpe_path) -> tuple:
    vae_extra = dict(latent_channels=preset['latent_channels'],
                     use_quant_conv=False, use_post_quant_conv=False,
                     shift_factor=0.0609, scaling_factor=1.5035)
    vae = random_vae(preset['vae'], latent, **vae_extra)
    clip = clip_tokenizer(bpe_path)
    t5_length = preset.get('max_sequence_length', 512)
    t5_tok = t5_tokenizer(model_max_length=t5_length)
    t5 = T5EncoderModel(
        T5Config(vocab_size=len(t5_tok), dropout_rate=0.0, **preset['t5']))
    if preset['family'] == 'sd3':
        transformer = SD3Transformer2DModel(**preset['transformer'])
        encoders = [
            CLIPTextModelWithProjection(clip_text_config(**text))
            for text in preset['text']
        ] + [t5]
        return vae, encoders, [clip, clip, t5_tok], transformer
    transformer = FluxTransformer2DModel(**preset['transformer'])
    encoders = [CLIPTextModel(clip_text_config(**preset['text'][0])), t5]
    return vae, encoders, [clip, t5_tok], transformer


def save_random_dit_pipeline(folder: Union[str, Path], size: str = 'flux-tiny',
                             seed: int = 0) -> Path:
    """Write a random-weight DiT pipeline folder for ``from_pretrained``."""
    folder = Path(folder)
    build_random_dit_pipeline(size, seed).save_pretrained(folder)
    return folder
