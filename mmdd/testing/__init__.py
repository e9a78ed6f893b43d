"""Test fixtures that ship with mmdd (as ``mmyolo.testing`` does): random
Stable Diffusion, SDXL, SD3 and FLUX pipelines, a random BLIP captioner,
the toy shapes dataset, class lists by name.

Nothing in the runtime package imports this. The names below load on first
use, so ``import mmdd.testing`` costs nothing; the toy dataset registers
``ToyShapesDataset`` when imported (the registry's ``locations`` import it
for the demo config that names it).
"""
from mmdd.lazy import lazy_exports

_EXPORTS = {
    'class_lists': ('get_classes', 'get_palette'),
    'random_captioner': ('save_random_captioner', ),
    'random_dit':
    ('DIT_SIZES', 'build_random_dit_pipeline', 'save_random_dit_pipeline'),
    'random_pipeline':
    ('SIZES', 'build_random_pipeline', 'save_random_pipeline'),
    'random_sdxl':
    ('SDXL_SIZES', 'build_random_sdxl_pipeline', 'save_random_sdxl_pipeline'),
    't5_tokenizer': ('t5_tokenizer', ),
    'toy_classes': ('TOY_CLASSES', 'TOY_PALETTE'),
    'toy_dataset': ('ToyShapesDataset', 'make_toy_dataset'),
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
