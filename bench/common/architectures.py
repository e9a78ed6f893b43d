"""The architectures the benchmarks run, one table entry each.

Every entry names a random-weight pipeline preset (built from configs, no
download) of a family (SD 1.x/2.x, SDXL, or the diffusion transformers
SD3 / SD3.5 and FLUX.1) and the batch, steps, guidance and dtype the GPU
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
    'dit':
    ('mmdd.testing.random_dit', 'DIT_SIZES', 'build_random_dit_pipeline'),
}


@dataclass(frozen=True)
class Architecture:
    preset: str  # a preset of the family's random-pipeline builder
    title: str
    gpu_batch: int = 8  # the GPU rehearsal's batch
    family: str = 'sd'
    # The sampler the GPU rehearsal runs (None: its --steps / --guidance
    # defaults, 50 and 7.5) and its CUDA dtype (unless --dtype is given).
    steps: Optional[int] = None
    guidance: Optional[float] = None
    gpu_dtype: str = 'fp16'

    @property
    def is_dit(self) -> bool:
        return self.family == 'dit'


def _dit(preset: str, title: str, steps: int = 28,
         guidance: float = 4.5) -> Architecture:
    """A diffusion transformer: batch 1, bf16 on CUDA (FLUX's and SD3.5's
    own precision)."""
    return Architecture(preset, title, gpu_batch=1, family='dit', steps=steps,
                        guidance=guidance, gpu_dtype='bf16')


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
    # Diffusion transformers (mmdd.testing.random_dit); FLUX has no CFG
    # batch, its guidance feeds FLUX.1-dev's guidance embedding.
    'sd3-tiny':
    _dit('sd3-tiny', 'tiny SD3 topology, 64x64'),
    'sd35-tiny':
    _dit('sd35-tiny', 'tiny SD3.5 topology, 64x64'),
    'flux-tiny':
    _dit('flux-tiny', 'tiny FLUX.1 topology, 64x64', guidance=3.5),
    'sd35-small':
    _dit('sd35-small', 'small SD3.5 topology, 256x256'),
    'flux-small':
    _dit('flux-small', 'small FLUX.1 topology, 256x256', guidance=3.5),
    'sd35-medium':
    _dit('sd35-medium', 'SD3.5-Medium architecture, 1024x1024'),
    'flux-schnell':
    _dit('flux-schnell', 'FLUX.1-schnell architecture, 1024x1024', steps=4,
         guidance=0.0),
    'flux-dev':
    _dit('flux-dev', 'FLUX.1-dev architecture, 1024x1024', guidance=3.5),
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
    (a UNet's initialised on the CPU with the preset's seed, as in the
    tests; a diffusion transformer's drawn on ``device`` in ``dtype``, as
    the real sizes would take minutes on a CPU)."""
    reason = unavailable(name)
    if reason:
        raise ValueError(reason)
    _, builder = family(name)
    if ARCHITECTURES[name].is_dit:
        pipeline = builder(ARCHITECTURES[name].preset, bpe_path=bpe_path,
                           device=device, dtype=dtype)
    else:
        pipeline = builder(ARCHITECTURES[name].preset, bpe_path=bpe_path)
        pipeline.to(device, dtype)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def image_size(name: str, pipeline) -> int:
    """The side in pixels architecture ``name`` generates at: the preset's
    latent size times the VAE's factor (a FLUX pipeline's own default is
    1024 px whatever its preset)."""
    if not ARCHITECTURES[name].is_dit:
        return pipeline.unet.config.sample_size * pipeline.vae_scale_factor
    presets, _ = family(name)
    preset = presets[ARCHITECTURES[name].preset]
    latent = preset['transformer'].get('sample_size',
                                       preset.get('sample_size'))
    return latent * pipeline.vae_scale_factor


def max_sequence_length(name: str) -> Optional[int]:
    """A diffusion transformer preset's T5 length (None: the pipeline's
    default, 256 for SD3 and 512 for FLUX)."""
    if not ARCHITECTURES[name].is_dit:
        return None
    presets, _ = family(name)
    return presets[ARCHITECTURES[name].preset].get('max_sequence_length')
