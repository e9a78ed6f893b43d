import pytest
import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss

from mmdd.models.losses import UncertaintyCrossEntropyLoss
from mmdd.registry import MODELS


def random_batch(seed: int = 0, num_classes: int = 5):
    """Logits (2, C, 6, 7) and labels with about a quarter of pixels 255."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, num_classes, 6, 7, generator=generator)
    label = torch.randint(0, num_classes, (2, 6, 7), generator=generator)
    uncertain = torch.rand(2, 6, 7, generator=generator) < 0.25
    label[uncertain] = 255
    return logits, label


def mmseg_ce(avg_non_ignore: bool = True, loss_weight: float = 1.0):
    return CrossEntropyLoss(use_sigmoid=False, avg_non_ignore=avg_non_ignore,
                            loss_weight=loss_weight)


@pytest.mark.parametrize('avg_non_ignore', [True, False])
def test_ignore_only_equals_mmseg_cross_entropy(avg_non_ignore):
    logits, label = random_batch()
    ours = UncertaintyCrossEntropyLoss(loss_weight=0.4,
                                       avg_non_ignore=avg_non_ignore)
    theirs = mmseg_ce(avg_non_ignore, loss_weight=0.4)
    expected = theirs(logits, label, ignore_index=255)
    torch.testing.assert_close(ours(logits, label, ignore_index=255), expected)
    # The loss's own ignore_index (255) applies when the caller passes none.
    torch.testing.assert_close(ours(logits, label), expected)


def test_weight_argument_equals_mmseg_cross_entropy():
    logits, label = random_batch(seed=1)
    weight = torch.rand(label.shape,
                        generator=torch.Generator().manual_seed(2))
    ours = UncertaintyCrossEntropyLoss()(logits, label, weight=weight,
                                         ignore_index=255)
    theirs = mmseg_ce()(logits, label, weight=weight, ignore_index=255)
    torch.testing.assert_close(ours, theirs)


def test_all_ones_confidence_equals_mmseg_cross_entropy():
    logits, label = random_batch(seed=3)
    loss = UncertaintyCrossEntropyLoss(confidence_weighting=True)
    with loss.pixel_confidence(torch.ones(label.shape)):
        ours = loss(logits, label, ignore_index=255)
    torch.testing.assert_close(ours,
                               mmseg_ce()(logits, label, ignore_index=255))


def test_confidence_is_multiplied_with_the_weight_argument():
    logits, label = random_batch(seed=4)
    weight = torch.full(label.shape, 0.5)
    confidence = torch.rand(label.shape,
                            generator=torch.Generator().manual_seed(5))
    loss = UncertaintyCrossEntropyLoss(confidence_weighting=True,
                                       confidence_floor=0.2)
    with loss.pixel_confidence(confidence):
        ours = loss(logits, label, weight=weight, ignore_index=255)
    expected = mmseg_ce()(logits, label,
                          weight=0.5 * confidence.clamp(min=0.2),
                          ignore_index=255)
    torch.testing.assert_close(ours, expected)


@pytest.mark.parametrize('confidence_weighting', [False, True])
def test_uncertain_pixels_get_no_loss_and_no_gradient(confidence_weighting):
    logits, label = random_batch(seed=6)
    loss = UncertaintyCrossEntropyLoss(
        confidence_weighting=confidence_weighting)
    uncertain = (label == 255).unsqueeze(1).expand_as(logits)
    changed = torch.where(uncertain, logits * 10 + 3, logits)
    confidence = torch.rand(label.shape,
                            generator=torch.Generator().manual_seed(7))
    with loss.pixel_confidence(confidence):
        changed.requires_grad_(True)
        value = loss(changed, label, ignore_index=255)
        value.backward()
        torch.testing.assert_close(value, loss(logits, label,
                                               ignore_index=255))
    assert changed.grad[uncertain].abs().max() == 0
    assert changed.grad[~uncertain].abs().max() > 0


def test_floor_applies_to_low_confidence():
    logits, label = random_batch(seed=8)
    plain = UncertaintyCrossEntropyLoss()(logits, label)
    loss = UncertaintyCrossEntropyLoss(confidence_weighting=True,
                                       confidence_floor=0.3)
    with loss.pixel_confidence(torch.zeros(label.shape)):
        floored = loss(logits, label)
    torch.testing.assert_close(floored, 0.3 * plain)


def test_weighting_sets_each_pixels_share_of_the_gradient():
    # Two labelled pixels with identical logits and labels, one uncertain.
    logits = torch.tensor([[[[2.0, 2.0, 0.0]], [[0.0, 0.0, 1.0]]]],
                          requires_grad=True)  # (1, 2 classes, 1, 3)
    label = torch.tensor([[[1, 1, 255]]])
    loss = UncertaintyCrossEntropyLoss(confidence_weighting=True,
                                       confidence_floor=0.1)
    with loss.pixel_confidence(torch.tensor([[[0.9, 0.05, 0.7]]])):
        value = loss(logits, label)
    value.backward()
    per_pixel = F.cross_entropy(logits[..., 0], label[..., 0]).detach()
    # Weights 0.9 and max(0.1, 0.05); mean over the 2 non-ignored pixels.
    torch.testing.assert_close(value, (0.9 + 0.1) * per_pixel / 2)
    grad = logits.grad[0, :, 0]
    torch.testing.assert_close(grad[:, 0], 9 * grad[:, 1])
    assert grad[:, 2].abs().max() == 0


def test_context_restores_no_confidence_after_an_error():
    loss = UncertaintyCrossEntropyLoss(confidence_weighting=True)
    logits, label = random_batch(seed=9)
    with pytest.raises(ValueError, match='PointHead'):
        with loss.pixel_confidence(torch.ones(2, 3, 3)):
            loss(logits, label)
    with pytest.raises(RuntimeError, match='ConfidenceEncoderDecoder'):
        loss(logits, label)


def test_build_from_config_with_loss_name():
    loss = MODELS.build(
        dict(type='UncertaintyCrossEntropyLoss', loss_name='loss_uce',
             confidence_weighting=True))
    assert isinstance(loss, UncertaintyCrossEntropyLoss)
    assert loss.loss_name == 'loss_uce'


@pytest.mark.parametrize('kwargs, message', [
    (dict(loss_name='ce'), 'must start with "loss_"'),
    (dict(confidence_floor=1.5), r'confidence_floor=1.5 must lie in \[0, 1\]'),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        UncertaintyCrossEntropyLoss(**kwargs)
