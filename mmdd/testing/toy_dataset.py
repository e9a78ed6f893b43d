"""A tiny on-disk segmentation dataset that mmdd writes itself.

Used by the demo toy config and the tests: red squares and blue discs on a
grey noisy background, so a small segmenter learns it in a few dozen
iterations on a CPU.
"""
from pathlib import Path
from typing import Union

import numpy as np

from mmdd.datasets.shapes_dataset import ShapesDataset, write_split
from mmdd.registry import DATASETS
from .toy_classes import TOY_CLASSES, TOY_PALETTE


@DATASETS.register_module()
class ToyShapesDataset(ShapesDataset):
    """The layout of :class:`~mmdd.datasets.ShapesDataset` (PNG images and
    class-id label maps) with the toy classes."""

    METAINFO = dict(classes=TOY_CLASSES, palette=TOY_PALETTE)


def _draw_sample(rng: np.random.Generator, size: int):
    image = rng.normal(128, 20, (size, size, 3)).clip(0, 255)
    label = np.zeros((size, size), np.uint8)
    yy, xx = np.mgrid[:size, :size]
    for class_id in rng.permutation([1, 2]):
        radius = rng.integers(size // 8, size // 4)
        cy, cx = rng.integers(radius, size - radius, 2)
        if class_id == 1:
            mask = (abs(yy - cy) <= radius) & (abs(xx - cx) <= radius)
        else:
            mask = (yy - cy)**2 + (xx - cx)**2 <= radius**2
        image[mask] = TOY_PALETTE[class_id]
        label[mask] = class_id
    return image.astype(np.uint8), label


def make_toy_dataset(root: Union[str, Path], num_train: int = 16,
                     num_val: int = 4, size: int = 64, seed: int = 0) -> str:
    """Write the toy dataset under ``root`` (idempotent) and return it."""
    rng = np.random.default_rng(seed)
    for split, count in (('train', num_train), ('val', num_val)):
        write_split(root, split, ((f'{i:04d}', *_draw_sample(rng, size))
                                  for i in range(count)))
    return str(root)
