"""Pipelines from a hub id, a local folder or a shipped name, checked
before diffusers loads them (a missing folder or part fails by name)."""
import os
from typing import Optional, Union

import diffusers
import torch
from diffusers import DiffusionPipeline

from mmdd.utils.precision import parse_dtype
from ..architectures import architecture_named, supported
from .check import check_model_folder
from .names import resolve_model_name


def pipeline_class(model: str) -> type:
    """The pipeline class named by the model's ``model_index.json``."""
    name = DiffusionPipeline.load_config(model).get('_class_name')
    try:
        return architecture_named(name).pipeline
    except KeyError:
        raise ValueError(f'{model} is a {name}; mmdd generates with '
                         f'{supported()}') from None


def _absent_parts(model: str) -> dict:
    """The parts a ``model_index.json`` names as ``[null, null]`` (e.g.
    an SD3 model saved without T5), passed as ``None``: diffusers loads
    them only when a caller names them."""
    index = DiffusionPipeline.load_config(model)
    return {
        name: None
        for name, value in index.items()
        if not name.startswith('_') and value in ([None, None], (None, None))
    }


def load_pipeline(model: str, torch_dtype: Union[torch.dtype,
                                                 str] = torch.float32,
                  device: Union[str, torch.device] = 'cpu',
                  scheduler: Optional[str] = None) -> DiffusionPipeline:
    """An SD 1.x/2.x, SDXL, SD3 / SD3.5 or FLUX.1 pipeline from a hub id
    or a local folder.

    ``torch_dtype``: a torch dtype or one of ``fp32``, ``fp16``, ``bf16``.
    ``scheduler``: a diffusers scheduler class name compatible with the
    checkpoint (e.g. ``DPMSolverMultistepScheduler``), built from the
    checkpoint's scheduler config; ``None`` keeps the checkpoint's own.
    """
    model = resolve_model_name(model)
    torch_dtype = parse_dtype(torch_dtype, device)
    _check_local_model(model)
    cls = pipeline_class(model)
    if os.path.isdir(os.path.expanduser(str(model))):
        check_model_folder(model)  # every part named when missing
    pipeline = cls.from_pretrained(model, dtype=torch_dtype,
                                   **_absent_parts(model))
    if scheduler is not None:
        compatible = sorted(cls.__name__
                            for cls in pipeline.scheduler.compatibles)
        if scheduler not in compatible:
            raise ValueError(f'scheduler {scheduler!r} does not fit {model}; '
                             f'choose one of {compatible}')
        pipeline.scheduler = getattr(diffusers, scheduler).from_config(
            pipeline.scheduler.config)
    return pipeline.to(device)


def _check_local_model(model: str) -> None:
    """A missing local folder fails here, not as a hub lookup.

    Hub ids are ``owner/name``; anything else (more slashes, ``./``, ``/``,
    ``~``) is a path.
    """
    path = os.path.expanduser(str(model))
    looks_local = (
        path.count('/') != 1 or path.startswith(('.', '/'))
        or str(model).startswith('~'))
    if looks_local and not os.path.isdir(path):
        raise FileNotFoundError(
            f'model folder {model!r} does not exist (relative paths start '
            f'at the working directory, {os.getcwd()}). Pass an existing '
            'diffusers folder or a hub id such as '
            '"stabilityai/stable-diffusion-2-1-base"; the shapes model that '
            'ships with mmdd is named "mmdd::shapes-t2i".')
