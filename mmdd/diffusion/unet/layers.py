"""Which UNet attention layers exist, at which level and grid, and which
are read: chosen by name and resolution, never by counting calls."""
import math
import re
from typing import List, Optional

import torch
from diffusers.models.attention_processor import Attention

from ..recording import CROSS, SELF, AttentionLayer, Size

_BLOCK = re.compile(r'^(down_blocks|up_blocks)\.(\d+)\.|^mid_block\.')


def level_sizes(latent_size: Size, num_levels: int) -> List[Size]:
    """Feature-map size at each UNet level (stride-2 convs round up)."""
    sizes = [latent_size]
    for _ in range(num_levels - 1):
        h, w = sizes[-1]
        sizes.append((math.ceil(h / 2), math.ceil(w / 2)))
    return sizes


def attention_layers(unet: torch.nn.Module,
                     latent_size: Size) -> List[AttentionLayer]:
    """Every attention layer of a UNet2DConditionModel, with its size.

    ``down_blocks.i`` runs at level i, ``up_blocks.j`` at level n-1-j and the
    mid block at level n-1 (n = number of levels): true of SD 1.x/2.x and
    SDXL UNets. :class:`RecordingAttnProcessor` checks it at run time.
    """
    sizes = level_sizes(latent_size, len(unet.config.block_out_channels))
    layers = []
    for name, module in unet.named_modules():
        match = _BLOCK.match(name)
        if not isinstance(module, Attention) or not match:
            continue
        if match.group(1) is None:  # mid_block
            level = len(sizes) - 1
        elif match.group(1) == 'down_blocks':
            level = int(match.group(2))
        else:
            level = len(sizes) - 1 - int(match.group(2))
        layers.append(
            AttentionLayer(f'{name}.processor',
                           CROSS if module.is_cross_attention else SELF, level,
                           sizes[level]))
    return layers


def select_layers(
        unet: torch.nn.Module, latent_size: Size, kind: str, factor: int,
        vae_scale_factor: Optional[int] = None) -> List[AttentionLayer]:
    """The ``kind`` layers at ``latent_size / factor`` (factor a power of 2).

    The grid is relative to the image, whatever the UNet: with SD's and
    SDXL's VAE (``vae_scale_factor`` 8), factor 2 is 1/16 of the image side
    (32x32 at 512 px, 64x64 at 1024 px) and factor 4 is 1/32. Raises a
    ValueError listing the grids that do have such layers (SDXL has none at
    1/8: its first level has no attention).
    """
    if factor < 1 or factor & (factor - 1):
        raise ValueError(
            f'{kind}_attention_factor must be a power of 2, got {factor}')
    layers = [
        layer for layer in attention_layers(unet, latent_size)
        if layer.kind == kind
    ]
    chosen = [layer for layer in layers if 2**layer.level == factor]
    if not chosen:

        def image_part(level_factor: int) -> str:
            if vae_scale_factor is None:
                return ''
            return f', 1/{vae_scale_factor * level_factor} of the image side'

        available = sorted({(layer.level, layer.size) for layer in layers})
        options = ', '.join(
            f'{h}x{w} (factor {2**level}{image_part(2**level)})'
            for level, (h, w) in available) or 'none'
        raise ValueError(
            f'no {kind}-attention layer at latent {latent_size[0]}x'
            f'{latent_size[1]} / {factor}{image_part(factor)}; {kind}-'
            f'attention layers exist at: {options}. Set '
            f'{kind}_attention_factor to one of those.')
    return chosen
