"""Saving a shapes model, and loading one back to continue it."""
import json
from dataclasses import asdict
from pathlib import Path
from typing import Optional, Union

import torch
from diffusers import AutoencoderKL
from diffusers.utils import logging as diffusers_logging

from mmdd.utils.atomic import atomic_write_dir
from .t2i_models import trained_components
from .t2i_settings import TrainSettings


def save_model(pipeline, folder: Union[str, Path], fp16: bool = True,
               settings: Optional[TrainSettings] = None) -> Path:
    """``save_pretrained`` (plus ``train_settings.json`` when ``settings``
    are given) with :func:`~mmdd.utils.atomic.atomic_write_dir`: a reader
    sees the previous model or the new one, never half of one."""

    def write(tmp: Path) -> None:
        pipeline.save_pretrained(tmp, safe_serialization=True)
        if settings is not None:
            (tmp / 'train_settings.json').write_text(
                json.dumps(asdict(settings), indent=2))

    verbosity = diffusers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()  # no notes on the fp16 cast
    try:
        if fp16:
            pipeline.to(torch.float16)
        return atomic_write_dir(folder, write)
    finally:
        if fp16:
            pipeline.to(torch.float32)
        diffusers_logging.set_verbosity(verbosity)


def continue_from(pipeline, settings: TrainSettings, folder: Path) -> None:
    """Load a trained model's trained components into ``pipeline``,
    refusing one of another architecture."""
    mismatched = []
    for name, module in trained_components(settings, pipeline).items():
        if not (folder / name).is_dir():
            mismatched.append(name)
            continue
        diffusers_model = hasattr(module, 'register_to_config')
        # diffusers and transformers name the dtype argument differently
        dtype_arg = 'torch_dtype' if diffusers_model else 'dtype'
        trained = type(module).from_pretrained(folder / name,
                                               **{dtype_arg: torch.float32})
        if diffusers_model:
            mismatched += sorted(
                f'{name}.{key}' for key, value in module.config.items()
                if not key.startswith('_')
                and _plain(trained.config.get(key)) != _plain(value))
        try:
            module.load_state_dict(trained.state_dict())
        except RuntimeError:
            mismatched.append(name)
    if mismatched:
        raise ValueError(
            f'init_from={str(folder)!r} was trained with another '
            f'architecture (differs in: {", ".join(mismatched)}); pass the '
            f'settings of its train_settings.json (e.g. its --preset)')


def trained_autoencoder(folder: Path) -> AutoencoderKL:
    """``folder``'s trained autoencoder, without the ``_name_or_path`` that
    ``from_pretrained`` adds to its config (the saved model would otherwise
    record a local path). The rebuild leaves the random stream as it was,
    so the denoiser built next starts as it would have."""
    trained = AutoencoderKL.from_pretrained(folder / 'vae',
                                            dtype=torch.float32)
    config = {k: v for k, v in trained.config.items() if k != '_name_or_path'}
    with torch.random.fork_rng(devices=[]):
        vae = AutoencoderKL.from_config(config)
    vae.load_state_dict(trained.state_dict())
    return vae.eval()


def _plain(value):
    return list(value) if isinstance(value, tuple) else value
