"""The architectures the benchmarks run, one table entry each.

Every entry is a random-weight pipeline built from a config (no download)
plus the batch the GPU rehearsal runs it at. Adding an architecture is one
entry here (and, for a new preset, one entry in the random-pipeline
presets).
"""
from dataclasses import dataclass
from typing import Dict, Optional

import torch
from diffusers import DDIMScheduler

from mmdd.diffusion import build_random_pipeline
from mmdd.diffusion.tiny import SIZES

# Stable Diffusion 2.1-base (stabilityai/stable-diffusion-2-1-base): the
# SD 1.5 layout with per-level head dims, linear projections and the
# OpenCLIP ViT-H text encoder (23 of its 24 layers, as the checkpoint).
SD21_BASE = dict(
    unet=dict(SIZES['sd15']['unet'], attention_head_dim=(5, 10, 20, 20),
              cross_attention_dim=1024, use_linear_projection=True,
              upcast_attention=False),
    vae=SIZES['sd15']['vae'],
    text=dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=23,
              num_attention_heads=16, projection_dim=512, hidden_act='gelu'))
SIZES.setdefault('sd21-base', SD21_BASE)


@dataclass(frozen=True)
class Architecture:
    preset: str  # a random-pipeline preset (mmdd's SIZES)
    title: str
    gpu_batch: int = 8  # the rehearsal's batch


ARCHITECTURES: Dict[str, Architecture] = {
    'tiny': Architecture('tiny', 'tiny (1.7M-param UNet, 64x64)'),
    'small': Architecture('small', 'small (SD 1.x topology, 256x256)'),
    'sd15': Architecture('sd15', 'SD 1.5 architecture, 512x512'),
    'sd21-base': Architecture('sd21-base', 'SD 2.1-base architecture, '
                              '512x512'),
}


def unavailable(name: str) -> Optional[str]:
    """Why ``name`` cannot be built here, or None when it can."""
    if name not in ARCHITECTURES:
        return (f'unknown architecture {name!r}; choose from '
                f'{sorted(ARCHITECTURES)}')
    if ARCHITECTURES[name].preset not in SIZES:
        return (f'this mmdd has no {ARCHITECTURES[name].preset!r} '
                'random-pipeline preset')
    return None


def build_pipeline(name: str, device: str = 'cpu',
                   dtype: torch.dtype = torch.float32,
                   bpe_path: Optional[str] = None):
    """The random-weight pipeline of architecture ``name`` on ``device``.

    Weights are initialised on ``device`` itself (seconds on a GPU instead
    of a minute of CPU for SD sizes); the scheduler is rebuilt afterwards so
    its tables stay on the CPU as in a loaded checkpoint.
    """
    reason = unavailable(name)
    if reason:
        raise ValueError(reason)
    with torch.device(device):
        pipeline = build_random_pipeline(ARCHITECTURES[name].preset,
                                         bpe_path=bpe_path)
    pipeline.scheduler = DDIMScheduler.from_config(pipeline.scheduler.config)
    pipeline.to(device, dtype)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline
