"""The shapes models' generation settings, read from mmdd's configs.

``configs/_base_/generation/<name>.py`` is the one source of each shapes
model's settings; code that generates outside a config (the benchmarks, the
demo, the tests) reads them here. The files are plain dict literals, so
they are run as Python and their ``_base_`` files merged as mmengine merges
dicts, without importing mmengine (:mod:`mmdd.shapes` stays free of
OpenMMLab). A test checks that this reading agrees with mmengine's.
"""
import copy
import functools
import os.path as osp
import runpy
from typing import Dict, List

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
# A checkout's configs/ beside the package, else the copy that setup.py
# puts into mmdd/.mim for an installed wheel.
CONFIG_DIRS = (osp.join(osp.dirname(PACKAGE_DIR),
                        'configs'), osp.join(PACKAGE_DIR, '.mim', 'configs'))
GENERATION_DIR = osp.join('_base_', 'generation')


def generation_config_file(name: str) -> str:
    """The path of ``configs/_base_/generation/<name>.py``."""
    tried = [osp.join(d, GENERATION_DIR, f'{name}.py') for d in CONFIG_DIRS]
    for path in tried:
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'no generation config {name!r}: looked for {tried}. Use a checkout '
        'of mmdd or an installed wheel (setup.py copies configs/ into '
        'mmdd/.mim).')


def _merge(base: dict, child: dict) -> dict:
    """``child`` over ``base``, dicts merged key by key (mmengine's rule;
    ``_delete_=True`` drops what ``base`` had)."""
    if child.get('_delete_', False):
        return {k: v for k, v in child.items() if k != '_delete_'}
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    merged.pop('_delete_', None)
    return merged


def _read(path: str) -> dict:
    names = runpy.run_path(path)
    bases: List[str] = names.pop('_base_', [])
    settings: Dict = {}
    for base in [bases] if isinstance(bases, str) else bases:
        settings = _merge(settings, _read(osp.join(osp.dirname(path), base)))
    own = {k: v for k, v in names.items() if not k.startswith('__')}
    return _merge(settings, own)


@functools.lru_cache(maxsize=None)
def _synth_dataset(name: str) -> dict:
    return _read(generation_config_file(name))['synth_dataset']


def synth_dataset_settings(name: str) -> dict:
    """The ``synth_dataset`` block of the generation config ``name`` (e.g.
    ``'shapes_dit'``), its bases merged; a fresh copy each call."""
    return copy.deepcopy(_synth_dataset(name))


def generation_settings(name: str) -> dict:
    """The ``generation`` settings of the generation config ``name``."""
    return synth_dataset_settings(name)['generation']
