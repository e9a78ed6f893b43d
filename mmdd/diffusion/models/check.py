"""Check a local diffusers model folder before anything loads it.

A folder that lacks a part the pipeline needs, or an image size the model
cannot denoise, should fail in a second with the missing piece named, not
after minutes of loading inside diffusers. The parts come from the folder's
own ``model_index.json``, so SD 1.x/2.x and SDXL (``text_encoder_2``,
``tokenizer_2``) folders are checked alike. Reads JSON files only.
"""
import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

PathLike = Union[str, Path]

# Parts the generator itself uses, whatever the pipeline class, and the
# denoiser: a UNet (SD, SDXL) or a transformer (SD3 / SD3.5, FLUX.1).
CORE_PARTS = ('vae', 'text_encoder', 'tokenizer', 'scheduler')
DENOISERS = ('unet', 'transformer')
FLUX_SAMPLE_SIZE = 128  # FluxPipeline.default_sample_size (latent side)
WEIGHT_SUFFIXES = ('.safetensors', '.bin', '.pt', '.pth', '.ckpt')
_CONFIG_ONLY = ('Tokenizer', 'Scheduler', 'Processor', 'FeatureExtractor')


class ModelFolderError(FileNotFoundError):
    """A local model folder misses what the pipeline needs."""


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ModelFolderError(f'{path} is unreadable ({err}); copy the file '
                               'again from the original model') from err


def pipeline_parts(folder: PathLike) -> Dict[str, Tuple[str, str]]:
    """``{part: (library, class)}`` of the parts ``model_index.json`` lists
    (entries set to ``[null, null]``, such as a removed safety checker, are
    left out)."""
    index = Path(folder) / 'model_index.json'
    if not index.is_file():
        raise ModelFolderError(
            f'{folder} is not a diffusers pipeline folder: it has no '
            'model_index.json. Save the model with '
            'pipeline.save_pretrained(folder), or pass its hub id.')
    return {
        name: tuple(value)
        for name, value in _read_json(index).items()
        if not name.startswith('_') and isinstance(value, list)
        and len(value) == 2 and value[0] is not None and value[1] is not None
    }


def _part_problem(folder: Path, name: str, cls: str) -> Optional[str]:
    part = folder / name
    if not part.is_dir():
        return f'{name}/ (a {cls}) is missing'
    files = [p for p in part.iterdir() if p.is_file()]
    if not any(p.suffix == '.json' for p in files):
        return f'{name}/ has no .json config'
    if any(word in cls for word in _CONFIG_ONLY):
        return None
    if not (part / 'config.json').is_file():
        return f'{name}/config.json is missing'
    if not any(p.name.endswith(WEIGHT_SUFFIXES) for p in files):
        return (f'{name}/ has no weight file '
                f'({", ".join("*" + s for s in WEIGHT_SUFFIXES)})')
    return None


def check_model_folder(folder: PathLike) -> Dict[str, Tuple[str, str]]:
    """Raise :class:`ModelFolderError` naming every missing part; return
    :func:`pipeline_parts`."""
    folder = Path(folder)
    parts = pipeline_parts(folder)
    problems: List[str] = [
        f'model_index.json lists no {name}' for name in CORE_PARTS
        if name not in parts
    ]
    if not any(name in parts for name in DENOISERS):
        problems.append('model_index.json lists no unet or transformer')
    problems += [
        problem for name, (_, cls) in sorted(parts.items())
        if (problem := _part_problem(folder, name, cls)) is not None
    ]
    if problems:
        raise ModelFolderError(
            f'model folder {folder} is incomplete:\n  ' +
            '\n  '.join(problems) + '\nCopy the whole folder of the original '
            'model (every part model_index.json names), or pass its hub id.')
    return parts


def _denoiser(folder: Path) -> Tuple[str, dict]:
    """``('unet' | 'transformer', its config)``."""
    if (folder / 'transformer' / 'config.json').is_file():
        return 'transformer', _read_json(folder / 'transformer' /
                                         'config.json')
    return 'unet', _read_json(folder / 'unet' / 'config.json')


def size_multiple(folder: PathLike) -> int:
    """What image sides must be a multiple of: the VAE's downsampling
    factor times the UNet's total downsampling (a transformer's patch:
    SD3's ``patch_size``, FLUX's 2x2 packing)."""
    folder = Path(folder)
    vae = _read_json(folder / 'vae' / 'config.json')
    kind, config = _denoiser(folder)
    vae_factor = 2**(len(vae.get('block_out_channels', [0] * 4)) - 1)
    if kind == 'transformer':
        return vae_factor * max(2, config.get('patch_size', 2))
    unet_factor = 2**(len(config.get('down_block_types', [0] * 4)) - 1)
    return vae_factor * unet_factor


def native_size(folder: PathLike) -> int:
    """The image side the model was trained at (sample size x VAE; FLUX's
    transformer names none: the pipeline's default, 1024 px)."""
    folder = Path(folder)
    vae = _read_json(folder / 'vae' / 'config.json')
    _, config = _denoiser(folder)
    sample = config.get('sample_size', FLUX_SAMPLE_SIZE)
    if isinstance(sample, (list, tuple)):
        sample = sample[0]
    return int(sample) * 2**(len(vae.get('block_out_channels', [0] * 4)) - 1)


def check_image_size(folder: PathLike, height: Optional[int],
                     width: Optional[int]) -> Tuple[int, int]:
    """The (height, width) generation will use; a clear error when the
    model cannot make it. None means the model's native size."""
    multiple = size_multiple(folder)
    native = native_size(folder)
    height, width = height or native, width or native
    bad = {
        name: value
        for name, value in (('height', height), ('width', width))
        if value % multiple
    }
    if bad:
        fix = ', '.join(f'{name}={value // multiple * multiple or multiple}'
                        for name, value in bad.items())
        raise ValueError(
            f'{", ".join(f"{k}={v}" for k, v in bad.items())} cannot be '
            f'generated by {folder}: image sides must be multiples of '
            f'{multiple} (the VAE factor times the denoiser\'s downsampling; '
            f'native size {native}). Use e.g. {fix} in generation=dict(...).')
    return height, width


def is_local_model(model: str) -> bool:
    """Whether ``model`` names an existing local folder."""
    return os.path.isdir(os.path.expanduser(str(model)))
