"""The parts every shapes model shares: its tokenizer, CLIP text encoder
and autoencoder (the architectures, :mod:`.t2i_unet` and :mod:`.t2i_dit`,
build the rest)."""
import torch
from diffusers import AutoencoderKL
from transformers import (CLIPTextConfig, CLIPTextModel,
                          CLIPTextModelWithProjection)

from mmdd.diffusion.clip_tokenizer import clip_tokenizer
from .t2i_settings import IMAGE_SIZE, MAX_TOKENS, TrainSettings
from .world import vocabulary


def shapes_tokenizer():
    """CLIP's BPE trimmed to the world's words."""
    return clip_tokenizer(words=vocabulary(), model_max_length=MAX_TOKENS)


def text_encoder(settings: TrainSettings, tokenizer,
                 projection: bool = False) -> torch.nn.Module:
    """A CLIP text encoder of ``settings.text_width`` and ``text_layers``
    (``projection``: with its text projection, as SD3's encoders)."""
    width = settings.text_width
    config = CLIPTextConfig(
        vocab_size=len(tokenizer), max_position_embeddings=MAX_TOKENS,
        hidden_size=width, intermediate_size=2 * width,
        num_hidden_layers=settings.text_layers, num_attention_heads=4,
        projection_dim=width, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(
        config)


def new_autoencoder(settings: TrainSettings) -> AutoencoderKL:
    levels = len(settings.vae_channels)
    return AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4,
                         block_out_channels=tuple(settings.vae_channels),
                         layers_per_block=1,
                         down_block_types=('DownEncoderBlock2D', ) * levels,
                         up_block_types=('UpDecoderBlock2D', ) * levels,
                         sample_size=IMAGE_SIZE, norm_num_groups=16,
                         mid_block_add_attention=False)
