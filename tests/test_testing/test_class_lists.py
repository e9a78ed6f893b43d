import pytest

from mmdd.prompts import COCO_PALETTE, VOC_CLASSES
from mmdd.testing import get_classes, get_palette


def test_lookup_by_dataset_name():
    assert get_classes('VOC') is VOC_CLASSES
    assert get_palette('coco') is COCO_PALETTE
    with pytest.raises(KeyError, match="'ade'.*coco"):
        get_classes('ade')
