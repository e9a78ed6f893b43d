import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from mmdd.datasets import CocoObjectDataset
from mmdd.prompts.class_names import COCO_CLASSES, COCO_PALETTE
from mmdd.registry import DATASETS

STEMS = ('000000000139', '000000000285')


@pytest.fixture
def coco_root(tmp_path):
    """The documented layout: images/val2017 + annotations/semantic_val2017."""
    images = tmp_path / 'images' / 'val2017'
    labels = tmp_path / 'annotations' / 'semantic_val2017'
    images.mkdir(parents=True)
    labels.mkdir(parents=True)
    for i, stem in enumerate(STEMS):
        Image.fromarray(np.full((6, 8, 3), 40 * i,
                                np.uint8)).save(images / f'{stem}.jpg')
        label = np.zeros((6, 8), np.uint8)
        label[1:3, 1:3], label[4:, 5:], label[0, 7] = 1, 80, 255
        Image.fromarray(label).save(labels / f'{stem}.png')
    return tmp_path


def test_registered_for_both_scopes():
    """By name in mmdd's scope, as ``mmdd.CocoObjectDataset`` from mmseg's
    (a plain mmseg config with ``custom_imports=['mmdd']``)."""
    from mmseg.registry import DATASETS as MMSEG_DATASETS
    init_default_scope('mmdd')
    assert DATASETS.get('CocoObjectDataset') is CocoObjectDataset
    assert MMSEG_DATASETS.get('mmdd.CocoObjectDataset') is CocoObjectDataset


def test_layout_and_metainfo(coco_root):
    dataset = DATASETS.build(
        dict(type='CocoObjectDataset', data_root=str(coco_root), pipeline=[]))
    assert dataset.metainfo['classes'] == COCO_CLASSES
    assert len(dataset.metainfo['classes']) == 81
    assert dataset.metainfo['palette'] == [list(c) for c in COCO_PALETTE]
    assert len(dataset) == 2
    for info, stem in zip(dataset, STEMS):
        assert info['img_path'].endswith(f'images/val2017/{stem}.jpg')
        assert info['seg_map_path'].endswith(
            f'annotations/semantic_val2017/{stem}.png')
        assert info['reduce_zero_label'] is False


def test_labels_reach_the_model_unchanged(coco_root):
    """0 stays background, 80 stays toothbrush, 255 stays ignored."""
    dataset = CocoObjectDataset(
        data_root=str(coco_root), pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')
        ])
    sample = dataset[0]['data_samples']
    label = sample.gt_sem_seg.data.numpy()[0]
    assert label[1, 1] == 1 and label[5, 7] == 80 and label[0, 7] == 255
    assert label[0, 0] == 0


def test_missing_labels_say_how_to_make_them(coco_root):
    with pytest.raises(FileNotFoundError, match='coco_instances_to_semantic'):
        CocoObjectDataset(
            data_root=str(coco_root),
            data_prefix=dict(img_path='images/val2017',
                             seg_map_path='annotations/nothing'))
