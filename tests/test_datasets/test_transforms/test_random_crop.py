import numpy as np
from mmseg.datasets.transforms import RandomCrop as MMSegRandomCrop

from mmdd.datasets.transforms import RandomCrop


def crop_offsets(crop: MMSegRandomCrop, results: dict) -> list:
    """Left offsets of the crops picked under 20 seeds."""
    offsets = []
    for seed in range(20):
        np.random.seed(seed)
        offsets.append(crop.crop_bbox(results)[2])
    return offsets


def test_cat_max_ratio_counts_classes_on_the_label_channel():
    """Left half one class, right half two: only crops reaching well into the
    right half keep every class under cat_max_ratio=0.75 (left offset > 4)."""
    label = np.ones((8, 16), np.uint8)
    label[::2, 8:] = 2
    confidence = np.where(label == 1, 200, 100).astype(np.uint8)
    stacked = dict(
        img=np.zeros((8, 16, 3), np.uint8),
        gt_seg_map=np.stack([label, confidence], axis=-1))
    plain = dict(stacked, gt_seg_map=label)

    assert min(crop_offsets(RandomCrop(8, cat_max_ratio=0.75), stacked)) > 4
    # Same crops as mmseg's on the label alone.
    assert crop_offsets(RandomCrop(8, cat_max_ratio=0.75), stacked) == \
        crop_offsets(MMSegRandomCrop(8, cat_max_ratio=0.75), plain)
    # mmseg's counts confidence values as classes: accepts one-class crops.
    assert min(crop_offsets(MMSegRandomCrop(8, cat_max_ratio=0.75),
                            stacked)) <= 4


def test_crops_label_and_confidence_together():
    label = np.arange(64, dtype=np.uint8).reshape(8, 8)
    results = dict(
        img=np.zeros((8, 8, 3), np.uint8),
        gt_seg_map=np.stack([label, 255 - label],
                            axis=-1), seg_fields=['gt_seg_map'])
    np.random.seed(0)
    cropped = RandomCrop(4)(results)['gt_seg_map']
    assert cropped.shape == (4, 4, 2)
    np.testing.assert_array_equal(cropped[..., 1], 255 - cropped[..., 0])
