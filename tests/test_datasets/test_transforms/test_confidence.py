"""Label and confidence stay aligned through a real mmseg train pipeline."""
import numpy as np
import pytest
import torch
from mmcv.transforms import Pad
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmdd.datasets.synth_cache import SynthCache
from mmdd.datasets.transforms import (LoadConfidenceMap,
                                      PackSegInputsWithConfidence)

# Confidence * 255 stored for each label value: a function of the label, so
# any misalignment between the two maps shows.
STORED = {0: 30, 1: 200, 2: 150, 3: 100, 255: 140}


def stored_confidence(label: np.ndarray) -> np.ndarray:
    confidence = np.zeros(label.shape, np.uint8)
    for value, stored in STORED.items():
        confidence[label == value] = stored
    return confidence


@pytest.fixture
def sample(tmp_path) -> dict:
    """A 40x56 image, an asymmetric label with an uncertain band and its
    confidence, written by the synthetic cache's own writer."""
    rng = np.random.default_rng(0)
    label = np.zeros((40, 56), np.uint8)
    label[4:30, 3:20] = 1
    label[10:38, 30:52] = 2
    label[20:26, 5:45] = 3
    label[30:34, 0:50] = 255
    image = rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)
    cache = SynthCache(tmp_path)
    palette = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]
    cache.write_sample('s0', image, label,
                       stored_confidence(label) / 255, palette, meta={})
    return dict(
        img_path=str(cache.path('image', 's0')),
        seg_map_path=str(cache.path('mask', 's0')),
        confidence_path=str(cache.path('confidence', 's0')), label_map=None,
        reduce_zero_label=False, seg_fields=[])


def train_pipeline(with_confidence: bool, background_label=None) -> Compose:
    init_default_scope('mmdd')
    loading = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
    if with_confidence:
        loading.append(
            dict(type='LoadConfidenceMap', background_label=background_label))
    return Compose(loading + [
        dict(type='RandomResize', scale=(112, 40), ratio_range=(
            0.5, 1.5), keep_ratio=True),
        dict(type='RandomCrop', crop_size=(24, 24), cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='PackSegInputsWithConfidence'
             if with_confidence else 'PackSegInputs'),
    ])


def run_seeded(pipeline: Compose, sample: dict, seed: int) -> dict:
    np.random.seed(seed)
    return pipeline(dict(sample, seg_fields=[]))


def test_label_and_confidence_stay_aligned(sample):
    pipeline = train_pipeline(with_confidence=True)
    flips, shapes = set(), set()
    for seed in range(8):
        data_sample = run_seeded(pipeline, sample, seed)['data_samples']
        label = data_sample.gt_sem_seg.data[0].numpy()
        confidence = data_sample.gt_confidence.data
        assert confidence.dtype == torch.float32
        assert confidence.shape == (1, ) + label.shape
        stored = (confidence[0].numpy() * 255).round().astype(np.uint8)
        np.testing.assert_array_equal(stored, stored_confidence(label))
        flips.add(data_sample.flip)
        shapes.add(data_sample.img_shape)
    assert flips == {True, False}
    assert len(shapes) > 1  # some resized images were smaller than the crop


def test_label_and_image_are_those_of_the_stock_pipeline(sample):
    """Same seed, same crops, flips and colours as mmseg's own pipeline: the
    confidence channel changes nothing on the label path."""
    ours, stock = train_pipeline(True), train_pipeline(False)
    for seed in range(8):
        expected = run_seeded(stock, sample, seed)
        packed = run_seeded(ours, sample, seed)
        torch.testing.assert_close(packed['inputs'], expected['inputs'])
        torch.testing.assert_close(packed['data_samples'].gt_sem_seg.data,
                                   expected['data_samples'].gt_sem_seg.data)


def test_background_confidence_is_one_minus_the_stored_score(sample):
    pipeline = train_pipeline(with_confidence=True, background_label=0)
    data_sample = run_seeded(pipeline, sample, 0)['data_samples']
    label = data_sample.gt_sem_seg.data[0].numpy()
    stored = (data_sample.gt_confidence.data[0].numpy() * 255).round()
    expected = stored_confidence(label).astype(float)
    expected[label == 0] = 255 - STORED[0]
    assert (label == 0).any() and (label == 1).any()
    np.testing.assert_array_equal(stored, expected)


def loaded(sample: dict) -> dict:
    init_default_scope('mmdd')
    return Compose([
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='LoadConfidenceMap', background_label=None)
    ])(
        dict(sample, seg_fields=[]))


def test_pad_fills_the_label_with_ignore(sample):
    results = Pad(size=(64, 48), pad_val=dict(img=0, seg=255))(loaded(sample))
    assert results['gt_seg_map'].shape == (48, 64, 2)
    assert (results['gt_seg_map'][40:, :, 0] == 255).all()
    assert (results['gt_seg_map'][:, 56:, 0] == 255).all()


def test_missing_confidence_path_names_the_fix(sample):
    results = dict(sample, gt_seg_map=np.zeros((40, 56), np.uint8))
    del results['confidence_path']
    with pytest.raises(KeyError, match='confidence_weighting=False'):
        LoadConfidenceMap()(results)


@pytest.mark.parametrize('change, message', [
    (dict(gt_seg_map=None), 'after LoadAnnotations'),
    (dict(gt_seg_map=np.zeros((40, 56, 2), np.uint8)), 'twice'),
    (dict(gt_seg_map=np.zeros((40, 50), np.uint8)), 'of the label size'),
    (dict(gt_seg_map=np.zeros(
        (40, 56), np.uint8), reduce_zero_label=True), 'background_label=None'),
])
def test_bad_inputs_are_named(sample, change, message):
    results = {**sample, **change}
    if results['gt_seg_map'] is None:
        del results['gt_seg_map']
    with pytest.raises(ValueError, match=message):
        LoadConfidenceMap()(results)


def test_packing_without_confidence_names_the_fix():
    with pytest.raises(ValueError, match='LoadConfidenceMap'):
        PackSegInputsWithConfidence()(
            dict(
                img=np.zeros((4, 4, 3), np.uint8), gt_seg_map=np.zeros(
                    (4, 4), np.uint8)))
