"""Test fixtures that ship with mmdd (as ``mmyolo.testing`` does): random
Stable Diffusion pipelines, the toy shapes dataset, class lists by name.

Nothing in the runtime package imports this. The names below load on first
use, so ``import mmdd.testing`` costs nothing; the toy dataset registers
``ToyShapesDataset`` when imported (the registry's ``locations`` import it
for the demo config that names it).
"""
import importlib
from typing import Any

_EXPORTS = {
    'class_lists': ('get_classes', 'get_palette'),
    'random_pipeline': ('SIZES', 'build_random_pipeline',
                        'save_random_pipeline'),
    'toy_dataset': ('TOY_CLASSES', 'TOY_PALETTE', 'ToyShapesDataset',
                    'make_toy_dataset'),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items()
              for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(f'.{_MODULE_OF[name]}', __name__),
                   name)
