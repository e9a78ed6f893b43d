"""Tiny text-to-image models for the shapes world, in diffusers' layouts.

Stable Diffusion's or SD3's layout at miniature size: a CLIP tokenizer (the
real BPE, trimmed to the world's words), CLIP text encoders, a
``UNet2DConditionModel`` (:mod:`.t2i_unet`) or an ``SD3Transformer2DModel``
(:mod:`.t2i_dit`) and an ``AutoencoderKL``. Three are shipped: 64x64
pixels <-> 16x16x4 latents with UNet attention at 16x16 and 8x8 (the
defaults), SD's proportions, 64x64 pixels <-> 32x32x4 latents with UNet
attention at 32x32 and 16x16 (:data:`SD_PROPORTIONED`), and the
transformer on those latents with 16x16 image tokens (:data:`DIT`). Saved
with ``save_pretrained``, each loads through ``DiffusionPipeline.
from_pretrained`` exactly like an SD or SD3 checkpoint.

- :mod:`.t2i_settings`: what determines a model, and the presets;
- :mod:`.t2i_models`: building a model, per architecture (shared parts in
  :mod:`.t2i_parts`);
- :mod:`.t2i_train`: the two training stages (:func:`train`);
- :mod:`.t2i_save`: saving atomically, continuing a saved model.
"""
from .t2i_models import build_pipeline
from .t2i_save import save_model
from .t2i_settings import (DIT, IMAGE_SIZE, MAX_TOKENS, PRESETS,
                           SD_PROPORTIONED, TrainSettings)
from .t2i_train import encode_scenes, train, train_autoencoder

__all__ = [
    'DIT', 'IMAGE_SIZE', 'MAX_TOKENS', 'PRESETS', 'SD_PROPORTIONED',
    'TrainSettings', 'build_pipeline', 'encode_scenes', 'save_model', 'train',
    'train_autoencoder'
]
