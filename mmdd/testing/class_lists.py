"""Class names and palettes by dataset name, for tests."""
from typing import Tuple

from mmdd.prompts.class_names import (COCO_CLASSES, COCO_PALETTE, VOC_CLASSES,
                                      VOC_PALETTE, Palette)

_DATASETS = {
    'voc': (VOC_CLASSES, VOC_PALETTE),
    'coco': (COCO_CLASSES, COCO_PALETTE),
}


def get_classes(dataset: str) -> Tuple[str, ...]:
    """Class names (background first) of ``'voc'`` or ``'coco'``."""
    return _lookup(dataset)[0]


def get_palette(dataset: str) -> Palette:
    """RGB palette of ``'voc'`` or ``'coco'``, one colour per class."""
    return _lookup(dataset)[1]


def _lookup(dataset: str):
    key = dataset.lower()
    if key not in _DATASETS:
        raise KeyError(f'unknown dataset {dataset!r}; '
                       f'use one of {sorted(_DATASETS)}')
    return _DATASETS[key]
