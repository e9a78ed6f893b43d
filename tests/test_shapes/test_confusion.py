import numpy as np
import pytest

from mmdd.diffusion.labelling.confusion import ConfusionCounter


def test_scores_by_hand():
    counter = ConfusionCounter(3)
    truth = np.array([[0, 0, 1, 1], [2, 2, 2, 0]], np.uint8)
    label = np.array([[0, 1, 1, 1], [2, 255, 2, 255]], np.uint8)
    counter.add(label, truth)
    score = counter.score()
    # kept pixels: 6 (two ignored); correct: 5
    assert score.ignored == pytest.approx(2 / 8)
    assert score.precision == pytest.approx(5 / 6)
    # IoU: class 0: 1 / (1 + 1), class 1: 2 / 3, class 2: 2 / 2
    assert score.class_iou == pytest.approx([0.5, 2 / 3, 1.0])
    assert score.miou == pytest.approx((0.5 + 2 / 3 + 1) / 3)


def test_truth_ignore_is_left_out_and_absent_classes_are_nan():
    counter = ConfusionCounter(3)
    counter.add(np.array([0, 0, 1]), np.array([0, 255, 1]))
    score = counter.score()
    assert score.ignored == 0 and score.precision == 1
    assert np.isnan(score.class_iou[2]) and score.miou == 1


def test_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match='differ in size'):
        ConfusionCounter(2).add(np.zeros((2, 2)), np.zeros((2, 3)))


def test_class_iou_of_a_matrix():
    from mmdd.diffusion.labelling.confusion import class_iou
    iou = class_iou(np.array([[8, 2, 0], [1, 4, 0], [0, 0, 0]]))
    assert iou[:2] == pytest.approx([8 / 11, 4 / 7]) and np.isnan(iou[2])
