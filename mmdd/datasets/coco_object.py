"""COCO 2017 as 81-class semantic segmentation: background + the 80 things.

The paper evaluates its COCO-trained segmenter on COCO 2017 val this way.
Label PNGs come from ``tools/dataset_converters/coco_instances_to_semantic.py``
(0 background, 1..80 the things in COCO's order, 255 crowd regions)::

    data/coco/images/val2017/000000000139.jpg
    data/coco/annotations/semantic_val2017/000000000139.png
"""
import os.path as osp
from typing import List

from mmseg.datasets import BaseSegDataset

from mmdd.prompts.class_names import COCO_CLASSES, COCO_PALETTE
from mmdd.registry import DATASETS

CONVERTER = 'tools/dataset_converters/coco_instances_to_semantic.py'


@DATASETS.register_module()
class CocoObjectDataset(BaseSegDataset):
    """COCO images + converted label maps; ``data_prefix`` defaults to the
    val2017 layout above (relative to ``data_root``)."""

    METAINFO = dict(classes=COCO_CLASSES,
                    palette=[list(color) for color in COCO_PALETTE])

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault('img_suffix', '.jpg')
        kwargs.setdefault('seg_map_suffix', '.png')
        kwargs.setdefault(
            'data_prefix',
            dict(img_path='images/val2017',
                 seg_map_path='annotations/semantic_val2017'))
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path', '')
        seg_dir = self.data_prefix.get('seg_map_path', '')
        if not osp.isdir(img_dir):
            raise FileNotFoundError(
                f'COCO image folder {img_dir!r} does not exist; put '
                'val2017/*.jpg there or set data_root/data_prefix '
                '(docs/dataset_prepare.md).')
        if not osp.isdir(seg_dir):
            raise FileNotFoundError(
                f'COCO label folder {seg_dir!r} does not exist; write it '
                f'with {CONVERTER} --instances instances_val2017.json '
                f'--out-dir {seg_dir}')
        return super().load_data_list()
