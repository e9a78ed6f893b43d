import numpy as np
import pytest
import torch

from mmdd.shapes.fidelity import attention_spread, same_class_attention


def two_class_truth():
    """8x8 truth: class 2 in the top-left 4x4, background elsewhere."""
    truth = np.zeros((8, 8), np.uint8)
    truth[:4, :4] = 2
    return truth


def test_uniform_attention_scores_the_class_share():
    mass, share = same_class_attention(
        torch.full((16, 16), 1 / 16), two_class_truth())
    # On the 4x4 grid the class is one cell in four.
    assert share == pytest.approx(0.25)
    assert mass == pytest.approx(share)


def test_attention_within_the_class_scores_one():
    small = two_class_truth()[::2, ::2].reshape(-1)
    same = torch.tensor(small[:, None] == small[None, :], dtype=torch.float64)
    mass, share = same_class_attention(same / same.sum(1, keepdim=True),
                                       two_class_truth())
    assert mass == pytest.approx(1.0) and share == pytest.approx(0.25)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='square'):
        same_class_attention(torch.ones(12, 12), two_class_truth())
    with pytest.raises(ValueError, match='foreground'):
        same_class_attention(torch.ones(16, 16), np.zeros((8, 8), np.uint8))


def test_attention_spread_runs_from_one_key_to_the_whole_grid():
    assert attention_spread(torch.full((16, 16), 1 / 16)) == pytest.approx(1)
    assert attention_spread(torch.eye(16)) == pytest.approx(1 / 16)
    # Half the keys, equally: half the grid (rows need not be normalised).
    half = torch.zeros(16, 16)
    half[:, :8] = 3.0
    assert attention_spread(half) == pytest.approx(0.5)
    # Rows of 1/16 +- 1e-4 are not exactly uniform in float64.
    near = torch.full((16, 16), 1 / 16, dtype=torch.float32)
    near[:, 0] += 1e-3
    assert 0.99 < attention_spread(near) < 1
    with pytest.raises(ValueError, match='queries, keys'):
        attention_spread(torch.ones(4, 4, 4))
