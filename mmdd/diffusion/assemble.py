"""Stable Diffusion, SD3 and FLUX pipelines put together from their parts.

The shapes model's trainer and the random test pipelines build their parts
themselves; this is the one place that joins them (with no safety checker:
neither has one).
"""
from diffusers import (AutoencoderKL, FluxPipeline, FluxTransformer2DModel,
                       SD3Transformer2DModel, StableDiffusion3Pipeline,
                       StableDiffusionPipeline, StableDiffusionXLPipeline,
                       UNet2DConditionModel)


def sd_pipeline(vae: AutoencoderKL, text_encoder, tokenizer,
                unet: UNet2DConditionModel,
                scheduler) -> StableDiffusionPipeline:
    """An SD 1.x/2.x pipeline of these parts."""
    return StableDiffusionPipeline(vae=vae, text_encoder=text_encoder,
                                   tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None,
                                   feature_extractor=None,
                                   requires_safety_checker=False)


def sdxl_pipeline(vae: AutoencoderKL, text_encoders, tokenizers,
                  unet: UNet2DConditionModel,
                  scheduler) -> StableDiffusionXLPipeline:
    """An SDXL pipeline of these parts (two encoders and tokenizers)."""
    return StableDiffusionXLPipeline(vae=vae, text_encoder=text_encoders[0],
                                     text_encoder_2=text_encoders[1],
                                     tokenizer=tokenizers[0],
                                     tokenizer_2=tokenizers[1], unet=unet,
                                     scheduler=scheduler,
                                     add_watermarker=False)


def sd3_pipeline(vae: AutoencoderKL, text_encoders, tokenizers,
                 transformer: SD3Transformer2DModel,
                 scheduler) -> StableDiffusion3Pipeline:
    """An SD3 / SD3.5 pipeline: two CLIP encoders, then T5."""
    return StableDiffusion3Pipeline(
        transformer=transformer, scheduler=scheduler, vae=vae,
        text_encoder=text_encoders[0], tokenizer=tokenizers[0],
        text_encoder_2=text_encoders[1], tokenizer_2=tokenizers[1],
        text_encoder_3=text_encoders[2], tokenizer_3=tokenizers[2])


def flux_pipeline(vae: AutoencoderKL, text_encoders, tokenizers,
                  transformer: FluxTransformer2DModel,
                  scheduler) -> FluxPipeline:
    """A FLUX.1 pipeline: CLIP (pooled only), then T5."""
    return FluxPipeline(scheduler=scheduler, vae=vae,
                        text_encoder=text_encoders[0], tokenizer=tokenizers[0],
                        text_encoder_2=text_encoders[1],
                        tokenizer_2=tokenizers[1], transformer=transformer)
