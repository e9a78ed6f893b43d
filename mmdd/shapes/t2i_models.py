"""The shapes models, one builder per architecture.

Each architecture (:mod:`.t2i_unet`, :mod:`.t2i_dit`) gives a pipeline
builder, the names of the components that training updates and the
training loss, from the shared parts of :mod:`.t2i_parts`; this module
picks one.
"""
from types import ModuleType
from typing import Dict, Optional

import torch
from diffusers import AutoencoderKL

from . import t2i_dit, t2i_unet
from .t2i_settings import TrainSettings


def architecture(settings: TrainSettings) -> ModuleType:
    """The module that builds and trains ``settings.architecture``."""
    return {'unet': t2i_unet, 'sd3': t2i_dit}[settings.architecture]


def build_pipeline(settings: TrainSettings,
                   vae: Optional[AutoencoderKL] = None):
    """Untrained model of the given widths (``vae``: reuse a trained one):
    a ``StableDiffusionPipeline`` or a ``StableDiffusion3Pipeline``."""
    return architecture(settings).build(settings, vae)


def trained_components(settings: TrainSettings,
                       pipeline) -> Dict[str, torch.nn.Module]:
    """The components training updates, by pipeline name."""
    return {
        name: getattr(pipeline, name)
        for name in architecture(settings).TRAINED
    }
