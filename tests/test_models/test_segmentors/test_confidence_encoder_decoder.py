"""ConfidenceEncoderDecoder on a tiny ResNet-18-V1c with FCN heads."""
from typing import List, Optional

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.structures import SegDataSample

from mmdd.datasets.transforms import PackSegInputsWithConfidence
from mmdd.models.segmentors.confidence_encoder_decoder import stack_confidence
from mmdd.registry import MODELS

NUM_CLASSES = 3
SIZES = [(32, 32), (24, 28)]  # different sizes: the batch gets padded
CE = dict(type='mmseg.CrossEntropyLoss', avg_non_ignore=True)


def fcn_head(in_channels: int, in_index: int, loss: dict) -> dict:
    return dict(type='FCNHead', in_channels=in_channels, in_index=in_index,
                channels=8, num_convs=1, concat_input=False, dropout_ratio=0,
                num_classes=NUM_CLASSES, norm_cfg=dict(type='BN'),
                loss_decode=loss)


def build_model(segmentor: str, loss: dict):
    init_default_scope('mmdd')
    model = MODELS.build(
        dict(
            type=segmentor,
            data_preprocessor=dict(type='SegDataPreProcessor', mean=[0, 0, 0],
                                   std=[1, 1, 1], size=(32, 32)),
            backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                          base_channels=8, dilations=(1, 1, 2, 4),
                          strides=(1, 2, 1, 1), norm_cfg=dict(type='BN')),
            decode_head=fcn_head(64, 3, loss),
            # A list of auxiliary heads: the losses sit in a ModuleList.
            auxiliary_head=[fcn_head(32, 2, dict(loss, loss_weight=0.4))]))
    return model.train()


def make_batch(confidence: Optional[List[torch.Tensor]] = None,
               uncertain_bottom: bool = False) -> dict:
    generator = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for index, (height, width) in enumerate(SIZES):
        inputs.append(torch.rand(3, height, width, generator=generator) * 255)
        label = torch.randint(0, NUM_CLASSES, (1, height, width),
                              generator=generator)
        label[torch.rand(label.shape, generator=generator) < 0.2] = 255
        if uncertain_bottom:
            label[:, height // 2:] = 255
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        if confidence is not None:
            sample.gt_confidence = PixelData(data=confidence[index])
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def compute_losses(model, batch: dict) -> dict:
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    return {key: value for key, value in losses.items() if 'loss' in key}


def ones_like_sizes() -> List[torch.Tensor]:
    return [torch.ones(1, h, w) for h, w in SIZES]


@pytest.fixture(scope='module')
def plain_model():
    torch.manual_seed(0)
    return build_model('EncoderDecoder', CE)


def with_weights_of(model, plain_model):
    model.load_state_dict(plain_model.state_dict())
    return model


@pytest.mark.parametrize('segmentor, loss, confidence', [
    ('ConfidenceEncoderDecoder',
     dict(type='UncertaintyCrossEntropyLoss',
          confidence_weighting=True), ones_like_sizes()),
    ('ConfidenceEncoderDecoder', dict(type='UncertaintyCrossEntropyLoss'),
     None),
    ('EncoderDecoder', dict(type='UncertaintyCrossEntropyLoss'), None),
])
def test_matches_mmseg_cross_entropy_model(plain_model, segmentor, loss,
                                           confidence):
    model = with_weights_of(build_model(segmentor, loss), plain_model)
    ours = compute_losses(model, make_batch(confidence))
    expected = compute_losses(plain_model, make_batch())
    assert set(ours) == {'decode.loss_ce', 'aux_0.loss_ce'}
    for key in ours:
        torch.testing.assert_close(ours[key], expected[key])


def test_planted_confidence_acts_on_its_pixels_only(plain_model):
    """Confidence 1 on the top half and 0 (floor 0) on the bottom equals
    ignoring the bottom half, rescaled to the count of all labelled pixels."""
    loss = dict(type='UncertaintyCrossEntropyLoss', confidence_weighting=True,
                confidence_floor=0.0)
    model = with_weights_of(
        build_model('ConfidenceEncoderDecoder', loss), plain_model)
    confidence = []
    for height, width in SIZES:
        planted = torch.zeros(1, height, width)
        planted[:, :height // 2] = 1
        confidence.append(planted)
    ours = compute_losses(model, make_batch(confidence))

    full, top = make_batch(), make_batch(uncertain_bottom=True)
    labelled = sum(
        int((s.gt_sem_seg.data != 255).sum()) for s in full['data_samples'])
    labelled_top = sum(
        int((s.gt_sem_seg.data != 255).sum()) for s in top['data_samples'])
    expected = compute_losses(plain_model, top)
    for key in ours:
        torch.testing.assert_close(ours[key],
                                   expected[key] * labelled_top / labelled)
    plain_losses = compute_losses(plain_model, make_batch())
    assert not torch.allclose(ours['decode.loss_ce'],
                              plain_losses['decode.loss_ce'])
    # The confidence was lent for the call only.
    assert all(m._confidence is None for m in model.modules()
               if hasattr(m, '_confidence'))


def test_confidence_is_padded_like_the_label():
    model = build_model('EncoderDecoder', CE)
    confidence = [torch.full((1, h, w), 0.5) for h, w in SIZES]
    data = model.data_preprocessor(make_batch(confidence), training=True)
    stacked = stack_confidence(data['data_samples'])
    assert stacked.shape == (2, 32, 32)
    assert (stacked[1, :24, :28] == 0.5).all()
    assert (stacked[1, 24:] == 0).all() and (stacked[1, :, 28:] == 0).all()
    padded_label = data['data_samples'][1].gt_sem_seg.data[0]
    assert (padded_label[24:] == 255).all()
    assert (padded_label[:, 28:] == 255).all()


def test_missing_confidence_names_the_fix(plain_model):
    loss = dict(type='UncertaintyCrossEntropyLoss', confidence_weighting=True)
    model = build_model('ConfidenceEncoderDecoder', loss)
    with pytest.raises(ValueError, match='LoadConfidenceMap'):
        compute_losses(model, make_batch())
    plain = build_model('EncoderDecoder', loss)
    with pytest.raises(RuntimeError, match='ConfidenceEncoderDecoder'):
        compute_losses(plain, make_batch(ones_like_sizes()))


def test_trains_on_packed_pipeline_output(plain_model):
    """Packed samples of different sizes with full confidence give the plain
    model's loss on mmseg's packing of the same labels, and gradients."""
    rng = np.random.default_rng(1)
    ours_batch, stock_batch = [], []
    for height, width in SIZES:
        label = rng.integers(0, NUM_CLASSES, (height, width), dtype=np.uint8)
        label[rng.random(label.shape) < 0.2] = 255
        image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        stacked = np.stack([label, np.full_like(label, 255)], axis=-1)
        ours_batch.append(PackSegInputsWithConfidence()(dict(
            img=image, gt_seg_map=stacked)))
        stock_batch.append(PackSegInputs()(dict(img=image, gt_seg_map=label)))
    loss = dict(type='UncertaintyCrossEntropyLoss', confidence_weighting=True)
    model = with_weights_of(
        build_model('ConfidenceEncoderDecoder', loss), plain_model)
    ours = compute_losses(model, pseudo_collate(ours_batch))
    expected = compute_losses(plain_model, pseudo_collate(stock_batch))
    for key in ours:
        torch.testing.assert_close(ours[key], expected[key])
    sum(ours.values()).backward()
    assert model.decode_head.conv_seg.weight.grad.abs().sum() > 0


def mixed_batch() -> dict:
    """Sample 0 real (tagged synthetic=False, no confidence map; its 255
    pixels are the real dataset's own void), sample 1 synthetic with a
    confidence of 0.05, below the floor."""
    batch = make_batch()
    real, synthetic = batch['data_samples']
    real.set_metainfo(dict(synthetic=False))
    synthetic.set_metainfo(dict(synthetic=True))
    synthetic.gt_confidence = PixelData(data=torch.full((1, *SIZES[1]), 0.05))
    return batch


def test_real_samples_of_a_mixed_batch_keep_full_weight():
    model = build_model('EncoderDecoder', CE)
    data = model.data_preprocessor(mixed_batch(), training=True)
    stacked = stack_confidence(data['data_samples'])
    assert (stacked[0] == 1).all()  # real: every pixel weighs 1
    assert (stacked[1, :24, :28] == 0.05).all()


def test_mixed_batch_loss_floors_only_the_synthetic_pixels(plain_model):
    """The decode loss of a mixed batch, by hand: real pixels weigh 1 (their
    void, 255, ignored as mmseg ignores it), synthetic pixels the floor."""
    floor = 0.3
    loss = dict(type='UncertaintyCrossEntropyLoss', confidence_weighting=True,
                confidence_floor=floor)
    model = with_weights_of(
        build_model('ConfidenceEncoderDecoder', loss), plain_model)
    data = model.data_preprocessor(mixed_batch(), training=True)
    ours = model.loss(data['inputs'], data['data_samples'])['decode.loss_ce']

    samples = data['data_samples']
    label = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    features = model.extract_feat(data['inputs'])
    logits = torch.nn.functional.interpolate(
        model.decode_head.forward(features), size=label.shape[1:],
        mode='bilinear', align_corners=False)
    pixel = torch.nn.functional.cross_entropy(logits, label, reduction='none',
                                              ignore_index=255)
    weight = torch.ones_like(pixel)
    weight[1] = floor
    valid = label != 255
    assert valid[0].sum() > 0.7 * valid[0].numel()  # real pixels: counted
    expected = (pixel * weight)[valid].sum() / valid.sum()
    torch.testing.assert_close(ours, expected)


def test_a_synthetic_sample_without_confidence_is_still_refused():
    loss = dict(type='UncertaintyCrossEntropyLoss', confidence_weighting=True)
    model = build_model('ConfidenceEncoderDecoder', loss)
    batch = mixed_batch()
    del batch['data_samples'][1].gt_confidence
    with pytest.raises(ValueError, match='data sample 1 has no gt_confidence'):
        compute_losses(model, batch)
