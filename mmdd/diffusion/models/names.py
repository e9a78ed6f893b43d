"""Names for the diffusion models that ship inside the mmdd package.

A config names a shipped model as ``mmdd::<name>`` (e.g.
``model='mmdd::shapes-t2i'``); :func:`resolve_model_name` turns that into the
folder inside the installed package, so the same config works from a
checkout, an editable install, a wheel or ``mim train mmdd``. Every other
string (a hub id, a local folder) is returned unchanged.
"""
from pathlib import Path
from typing import Dict

PREFIX = 'mmdd::'
_PACKAGE = Path(__file__).resolve().parents[2]

# name -> folder relative to the mmdd package
SHIPPED_MODELS: Dict[str, str] = {
    'shapes-t2i': 'shapes/pretrained/shapes-t2i',
    'shapes-t2i-sd': 'shapes/pretrained/shapes-t2i-sd',
    'shapes-dit': 'shapes/pretrained/shapes-dit',
}


def shipped_model_path(name: str) -> Path:
    """The folder of the shipped model ``name`` (without ``mmdd::``)."""
    if name not in SHIPPED_MODELS:
        known = ', '.join(PREFIX + n for n in sorted(SHIPPED_MODELS))
        raise ValueError(
            f'unknown shipped model {PREFIX + name!r}; mmdd ships: {known}. '
            'Other models are named by a hub id or a local folder.')
    path = _PACKAGE / SHIPPED_MODELS[name]
    if not (path / 'model_index.json').is_file():
        raise FileNotFoundError(
            f'{PREFIX + name} should be at {path}, but that folder holds no '
            'model_index.json: this mmdd install lacks its pretrained '
            'weights; reinstall mmdd from a wheel or a checkout.')
    return path


def resolve_model_name(model: str) -> str:
    """``mmdd::<name>`` -> the shipped model's folder; else ``model``."""
    model = str(model)
    if not model.startswith(PREFIX):
        return model
    return str(shipped_model_path(model[len(PREFIX):]))
