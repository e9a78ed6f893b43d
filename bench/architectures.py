"""The architectures the benchmarks run, one table entry each.

Every entry names a random-weight pipeline preset (built from configs, no
download) of a family (SD 1.x/2.x or SDXL) and the batch the GPU
rehearsal runs it at. Adding an architecture is one entry in
:data:`ARCHITECTURES` (plus, for a new preset, one entry in mmdd's
random-pipeline presets). A family whose builder this mmdd lacks (SDXL
before its support landed) is reported as unavailable, not an error.
"""
import importlib
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import torch

# family -> (module, presets dict, builder function)
FAMILIES = {
    'sd': ('mmdd.testing.random_pipeline', 'SIZES', 'build_random_pipeline'),
    'sdxl':
    ('mmdd.testing.random_sdxl', 'SDXL_SIZES', 'build_random_sdxl_pipeline'),
}


@dataclass(frozen=True)
class Architecture:
    preset: str  # a preset of the family's random-pipeline builder
    title: str
    gpu_batch: int = 8  # the GPU rehearsal's batch
    family: str = 'sd'


ARCHITECTURES: Dict[str, Architecture] = {
    'tiny':
    Architecture('tiny', 'tiny (1.7M-param UNet, 64x64)'),
    'small':
    Architecture('small', 'small (SD 1.x topology, 256x256)'),
    'sd15':
    Architecture('sd15', 'SD 1.5 architecture, 512x512'),
    'sd21-base':
    Architecture('sd21-base', 'SD 2.1-base architecture, 512x512'),
    'sdxl':
    Architecture('sdxl', 'SDXL base architecture, 1024x1024', gpu_batch=2,
                 family='sdxl'),
    'sdxl-tiny':
    Architecture('tiny', 'tiny SDXL topology, 128x128', family='sdxl'),
    'sdxl-small':
    Architecture('small', 'small SDXL topology, 256x256', family='sdxl'),
}


def family(name: str) -> Tuple[Dict[str, dict], Callable]:
    """The presets and builder of ``name``'s family (ImportError when
    this mmdd does not have it)."""
    module, presets, builder = FAMILIES[ARCHITECTURES[name].family]
    module = importlib.import_module(module)
    return getattr(module, presets), getattr(module, builder)


def unavailable(name: str) -> Optional[str]:
    """Why ``name`` cannot be built with this mmdd, or None when it can."""
    if name not in ARCHITECTURES:
        return (f'unknown architecture {name!r}; choose from '
                f'{sorted(ARCHITECTURES)}')
    try:
        presets, _ = family(name)
    except ImportError as error:
        return (f'this mmdd has no {ARCHITECTURES[name].family} random '
                f'pipelines ({error})')
    if ARCHITECTURES[name].preset not in presets:
        return f'this mmdd has no {ARCHITECTURES[name].preset!r} preset'
    return None


def build_pipeline(name: str, device: str = 'cpu',
                   dtype: torch.dtype = torch.float32,
                   bpe_path: Optional[str] = None):
    """The random-weight pipeline of architecture ``name`` on ``device``
    (initialised on the CPU with the preset's seed, as in the tests)."""
    reason = unavailable(name)
    if reason:
        raise ValueError(reason)
    _, builder = family(name)
    pipeline = builder(ARCHITECTURES[name].preset, bpe_path=bpe_path)
    pipeline.to(device, dtype)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline
