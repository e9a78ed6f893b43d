"""SynthDataset with a known class list: VOC, COCO or the shapes world.

The class names (written into the prompts) and palette are the dataset's
``METAINFO``, so configs name the dataset type instead of copying the lists.
A ``metainfo`` argument still overrides them, as for any mmseg dataset.
"""
from mmdd.prompts.class_names import (COCO_CLASSES, COCO_PALETTE, VOC_CLASSES,
                                      VOC_PALETTE)
from mmdd.registry import DATASETS
from mmdd.shapes.world import SHAPES_CLASSES, SHAPES_PALETTE
from .synth_dataset import SynthDataset


@DATASETS.register_module()
class SynthVOCDataset(SynthDataset):
    """The 20 PASCAL VOC classes after the background (prompt spellings:
    ``dining table``, not mmseg's ``diningtable``)."""

    METAINFO = dict(classes=VOC_CLASSES,
                    palette=[list(color) for color in VOC_PALETTE])


@DATASETS.register_module()
class SynthCOCODataset(SynthDataset):
    """COCO's 80 thing classes after the background."""

    METAINFO = dict(classes=COCO_CLASSES,
                    palette=[list(color) for color in COCO_PALETTE])


@DATASETS.register_module()
class SynthShapesDataset(SynthDataset):
    """The shapes world's five shapes after the background."""

    METAINFO = dict(classes=SHAPES_CLASSES, palette=SHAPES_PALETTE)
