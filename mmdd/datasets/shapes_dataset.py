"""The shapes world's real (ground-truth) splits, as an mmseg dataset.

``write_shapes_split`` renders scenes of :mod:`mmdd.shapes.world` into the
usual ``img_dir/<split>`` + ``ann_dir/<split>`` layout; ``ShapesDataset``
reads them like any ``BaseSegDataset`` so ``tools/test.py`` evaluates on
them. Split seeds never overlap the scenes the shapes model was trained on.
"""
from pathlib import Path
from typing import Union

from mmseg.datasets import BaseSegDataset
from PIL import Image

from mmdd.registry import DATASETS
from mmdd.shapes.world import SHAPES_CLASSES, SHAPES_PALETTE, render_scene

# First scene seed of each split (the model trains on 1_000_000 onwards).
SPLIT_SEEDS = {'train': 0, 'val': 500_000, 'test': 600_000}


@DATASETS.register_module()
class ShapesDataset(BaseSegDataset):
    """``img_dir/<split>/*.png`` + ``ann_dir/<split>/*.png`` (class ids)."""

    METAINFO = dict(classes=SHAPES_CLASSES, palette=SHAPES_PALETTE)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        super().__init__(**kwargs)


def write_split(root: Union[str, Path], split: str, samples) -> None:
    """Write ``(name, image, label)`` samples as ``img_dir``/``ann_dir``."""
    root = Path(root)
    for name, image, label in samples:
        for folder, array in (('img_dir', image), ('ann_dir', label)):
            path = root / folder / split / f'{name}.png'
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(path)


def write_shapes_split(root: Union[str, Path], split: str, count: int,
                       size: int = 64) -> str:
    """Render ``count`` scenes of ``split`` under ``root``; idempotent."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f'split {split!r}: use one of {list(SPLIT_SEEDS)}')
    first = SPLIT_SEEDS[split]
    done = Path(root) / 'ann_dir' / split / f'{count - 1:05d}.png'
    if not done.is_file():
        write_split(root, split,
                    ((f'{i:05d}', scene.image, scene.label)
                     for i, scene in ((i, render_scene(first + i, size))
                                      for i in range(count))))
    return str(root)
