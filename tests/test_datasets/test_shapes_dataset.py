import numpy as np
from PIL import Image

from mmdd.datasets import ShapesDataset, write_shapes_split
from mmdd.shapes.world import SHAPES_CLASSES, render_scene


def test_split_files_are_the_rendered_scenes(shapes_data_root):
    from mmdd.datasets.shapes_dataset import SPLIT_SEEDS
    image = np.asarray(
        Image.open(f'{shapes_data_root}/img_dir/test/00001.png'))
    label = np.asarray(
        Image.open(f'{shapes_data_root}/ann_dir/test/00001.png'))
    scene = render_scene(SPLIT_SEEDS['test'] + 1)
    assert np.array_equal(image, scene.image)
    assert np.array_equal(label, scene.label)


def test_writing_again_is_a_no_op(shapes_data_root):
    path = f'{shapes_data_root}/img_dir/val/00000.png'
    before = Image.open(path).tobytes()
    import os
    stamp = os.stat(path).st_mtime_ns
    write_shapes_split(shapes_data_root, 'val', 3)
    assert os.stat(path).st_mtime_ns == stamp
    assert Image.open(path).tobytes() == before


def test_dataset_reads_a_split(shapes_data_root):
    dataset = ShapesDataset(
        data_root=shapes_data_root,
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train'), pipeline=[
                             dict(type='LoadImageFromFile'),
                             dict(type='LoadAnnotations'),
                             dict(type='PackSegInputs')
                         ])
    assert len(dataset) == 8
    assert dataset.metainfo['classes'] == SHAPES_CLASSES
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 64, 64)
    assert set(sample['data_samples'].gt_sem_seg.data.unique().tolist()) <= \
        set(range(len(SHAPES_CLASSES)))


def test_unknown_split_is_refused(tmp_path):
    import pytest
    with pytest.raises(ValueError, match="split 'training'"):
        write_shapes_split(tmp_path, 'training', 2)
