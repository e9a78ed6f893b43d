"""Labelled real images from VOC-style folders, and the refusals."""
import numpy as np
import pytest
from PIL import Image

from mmdd.diffusion.calibration import read_labelled_folder
from tests.test_tools.test_calibrate_labels import write_folder


def test_reads_pairs_in_name_order(tmp_path):
    images, masks = write_folder(tmp_path, count=3)
    pairs = read_labelled_folder(images, masks, num_images=2, num_classes=3)
    assert [p.name for p in pairs] == ['000', '001']
    assert pairs[0].image.shape == (64, 64, 3)
    assert set(np.unique(pairs[0].mask)) == {0, 1, 2, 255}


def test_an_id_list_picks_and_orders(tmp_path):
    images, masks = write_folder(tmp_path, count=3)
    pairs = read_labelled_folder(images, masks, ids=['002', '000'])
    assert [p.name for p in pairs] == ['002', '000']
    with pytest.raises(FileNotFoundError, match="e.g. \\['009'\\]"):
        read_labelled_folder(images, masks, ids=['009'])


def test_refusals_name_the_fix(tmp_path):
    images, masks = write_folder(tmp_path, count=2)
    with pytest.raises(FileNotFoundError, match='--images'):
        read_labelled_folder(tmp_path / 'nowhere', masks)
    with pytest.raises(FileNotFoundError, match='--masks'):
        read_labelled_folder(images, tmp_path / 'nowhere')
    with pytest.raises(ValueError, match='config has 2 classes'):
        read_labelled_folder(images, masks, num_classes=2)
    (masks / '001.png').unlink()
    with pytest.raises(ValueError, match="unmatched names: \\['001'\\]"):
        read_labelled_folder(images, masks)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(masks / '001.png')
    with pytest.raises(ValueError, match='not a label map'):
        read_labelled_folder(images, masks)
