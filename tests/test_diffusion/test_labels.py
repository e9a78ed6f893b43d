"""Each step of attention -> label, pinned with planted maps."""
import numpy as np
import pytest
import torch

from mmdd.diffusion.labelling.labels import (label_from_attention, min_max,
                                             refine, resize, threshold,
                                             token_class_maps)


def block_self_attention(size: int, blocks: int, leak: float = 0.0):
    """Row-stochastic (size^2 x size^2) S: each pixel attends to its block.

    The image is cut into ``blocks`` vertical stripes; within a stripe every
    pixel attends uniformly to its 4-neighbours and itself (so one product
    spreads a seed by one pixel only), plus ``leak`` spread over all pixels.
    """
    n = size * size
    s = torch.zeros(n, n)
    stripe = size // blocks
    for y in range(size):
        for x in range(size):
            for dy, dx in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
                v, u = y + dy, x + dx
                inside = 0 <= v < size and 0 <= u < size
                if inside and u // stripe == x // stripe:
                    s[y * size + x, v * size + u] = 1
    s = s / s.sum(dim=1, keepdim=True)
    return (1 - leak) * s + leak / n


def test_refine_is_tau_products_with_the_map():
    torch.manual_seed(0)
    s = torch.rand(16, 16).softmax(dim=1)
    maps = torch.rand(3, 4, 4)
    expected = torch.linalg.matrix_power(s, 4) @ maps.flatten(1).T
    assert torch.allclose(
        refine(s, maps, 4), expected.T.view(3, 4, 4), atol=1e-6)
    assert torch.equal(refine(s, maps, 0), maps)


def test_s4_spreads_a_seed_over_its_block_only():
    s = block_self_attention(8, blocks=2)
    seed = torch.zeros(1, 8, 8)
    seed[0, 4, 1] = 1.0  # a pixel in the left stripe (columns 0-3)
    # tau products reach exactly the stripe's pixels within tau steps.
    for tau in (1, 4):
        reached = refine(s, seed, tau)[0] > 0
        expected = torch.tensor(
            [[x < 4 and abs(y - 4) + abs(x - 1) <= tau for x in range(8)]
             for y in range(8)])
        assert torch.equal(reached, expected), tau


def test_min_max_per_class():
    maps = torch.stack(
        [torch.linspace(2, 4, 16).view(4, 4),
         torch.full((4, 4), 7.0)])
    out = min_max(maps)
    assert out[0].min() == 0 and out[0].max() == 1
    assert out[0, 0, 1] == pytest.approx(1 / 15)
    assert torch.equal(out[1], torch.zeros(4, 4))  # constant map: no signal


def test_token_class_maps_average_multi_token_classes():
    cross = torch.zeros(4, 77)
    cross[:, 1] = torch.tensor([1., 0, 0, 0])  # 'cat'
    cross[:, 2] = torch.tensor([0., 1, 0, 0])  # 'potted'
    cross[:, 3] = torch.tensor([0., 0, 1, 0])  # 'plant'
    maps = token_class_maps(cross, [[1], [2, 3]], (2, 2))
    assert maps.shape == (2, 2, 2)
    assert torch.equal(maps[0], torch.tensor([[1., 0], [0, 0]]))
    assert torch.equal(maps[1], torch.tensor([[0., .5], [.5, 0]]))


def _keys_cubic_matrix(size_in: int, size_out: int, a: float = -0.75):
    """Resampling matrix of Keys' cubic convolution with half-pixel
    centres and replicated borders (OpenCV's INTER_CUBIC), written from the
    formula: out = W @ in."""

    def kernel(x):
        x = abs(x)
        if x <= 1:
            return (a + 2) * x**3 - (a + 3) * x**2 + 1
        if x < 2:
            return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
        return 0.0

    weights = np.zeros((size_out, size_in))
    for i in range(size_out):
        centre = (i + 0.5) * size_in / size_out - 0.5
        base = int(np.floor(centre))
        for k in range(base - 1, base + 3):
            weights[i, min(max(k, 0), size_in - 1)] += kernel(centre - k)
    return weights


@pytest.mark.parametrize('size', [(8, 8), (12, 6)])
def test_resize_is_bicubic(size):
    maps = torch.rand(2, 4, 3, dtype=torch.float64)
    rows = _keys_cubic_matrix(4, size[0])
    cols = _keys_cubic_matrix(3, size[1])
    expected = np.einsum('hi,cij,wj->chw', rows, maps.numpy(), cols)
    out = resize(maps, size)
    assert out.shape == (2, *size)
    assert np.allclose(out.numpy(), expected, atol=1e-10)
    # Not bilinear: cubic overshoots a step edge.
    step = torch.zeros(1, 1, 4, dtype=torch.float64)
    step[..., 2:] = 1
    assert resize(step, (1, 8)).min() < 0


@pytest.mark.parametrize('score, label', [(1.0, 7), (0.75, 7), (0.7499, 255),
                                          (0.5, 255), (0.4999, 0), (0.0, 0)])
def test_threshold_boundaries(score, label):
    scores = torch.full((1, 1, 1), score)
    out, confidence = threshold(scores, [7], foreground=0.75, uncertain=0.5)
    assert out.item() == label and out.dtype == torch.uint8
    assert confidence.item() == pytest.approx(score)


def test_threshold_defaults_argmax_and_ignore_index():
    scores = torch.tensor([[[0.61, 0.55, 0.2]], [[0.9, 0.1, 0.45]]])
    label, confidence = threshold(scores, [3, 9])
    assert label.tolist() == [[9, 255, 0]]
    assert torch.allclose(confidence, torch.tensor([[0.9, 0.55, 0.45]]))
    label, _ = threshold(scores, [3, 9], ignore_index=254)
    assert label.tolist() == [[9, 254, 0]]


def test_no_class_means_background():
    label, confidence = threshold(torch.zeros(0, 3, 5), [])
    assert label.shape == (3, 5) and not label.any() and not confidence.any()


def test_label_from_planted_attention():
    """Two classes, each seen by the cross-attention in one spot of its own
    stripe; S^4 grows each spot into its stripe, min-max puts the peaks at 1,
    far pixels fall below the thresholds."""
    size = 8
    s = block_self_attention(size, blocks=2)
    cross = torch.zeros(4 * 4, 77)  # 4x4 cross-attention, upsampled to 8x8
    cross[1 * 4 + 0, 1] = 1.0  # class A token, left stripe
    cross[2 * 4 + 3, 2] = cross[2 * 4 + 3, 3] = 1.0  # B's two tokens, right
    label, confidence = label_from_attention(cross, s, [[1], [2, 3]], [5, 11],
                                             cross_size=(4, 4),
                                             self_size=(size, size),
                                             image_size=(16, 16), tau=4)
    assert label.shape == (16, 16) and confidence.shape == (16, 16)
    assert 0 <= confidence.min() and confidence.max() <= 1
    assert label[4:8, 0:4].eq(5).all()  # A's cross-attention cell
    assert label[8:12, 12:16].eq(11).all()  # B's cell
    assert not label[:, :8].eq(11).any() and not label[:, 8:].eq(5).any()
    assert set(label.unique().tolist()) <= {0, 5, 11, 255}
    assert label.eq(0).any() and label.eq(255).any()
    # Confidence is the max score: >= 0.6 exactly where a class won.
    assert torch.equal(confidence >= 0.6, (label == 5) | (label == 11))


def test_argmax_runs_over_unclamped_scores():
    """Bicubic upsampling pushes both classes above 1 beside a plateau's
    edge; the class with the larger score must win there, not the first."""
    profile_a = torch.tensor([1., 1, 1, 0])  # along x, same in every row
    profile_b = torch.tensor([0., 1, 1, 0])
    cross = torch.zeros(4 * 4, 77)
    cross[:, 1] = profile_a.repeat(4)
    cross[:, 2] = profile_b.repeat(4)
    scores = resize(
        torch.stack([profile_a.repeat(4, 1),
                     profile_b.repeat(4, 1)]), (16, 16))
    both_over_one = (scores > 1).all(dim=0)
    assert both_over_one.any()  # the case this test is about
    assert (scores[1] > scores[0])[both_over_one].all()
    label, confidence = label_from_attention(cross, torch.eye(16), [[1], [2]],
                                             [5, 11], cross_size=(4, 4),
                                             self_size=(4, 4),
                                             image_size=(16, 16), tau=1)
    assert label[both_over_one].eq(11).all()
    assert confidence[both_over_one].eq(1).all()  # clamped
    assert confidence.min() >= 0 and confidence.max() <= 1


def _float64_reference_label(cross, s, positions, class_ids, tau):
    """The whole labelling in float64, with a matrix power for S^tau."""
    maps = resize(
        token_class_maps(cross.double(), positions, (8, 8)),
        (16, 16)).flatten(1).T
    maps = (torch.linalg.matrix_power(s.double(), tau) @ maps).T
    scores = resize(min_max(maps.reshape(-1, 16, 16)), (64, 64))
    best_score, best = scores.max(dim=0)
    ids = torch.tensor(class_ids)
    return torch.where(best_score >= 0.6, ids[best],
                       torch.where(best_score >= 0.5, 255, 0))


def test_tau_products_match_a_float64_reference():
    """A near-uniform S makes S^4 a_c nearly constant: the classes differ by
    a sliver of the maps' mean that float32 products do not resolve, and
    labels from float32 products differ from the float64 reference."""
    generator = torch.Generator().manual_seed(0)
    s = torch.randn(256, 256, generator=generator).softmax(dim=1)
    cross = torch.rand(64, 4, generator=generator).softmax(dim=1)
    positions, class_ids = [[1], [2], [3]], [1, 2, 3]
    maps = resize(token_class_maps(cross, positions, (8, 8)), (16, 16))
    in_float32 = min_max(refine(s, maps, 4)).double()
    in_float64 = min_max(refine(s.double(), maps.double(), 4))
    assert (in_float32 - in_float64).abs().max() > 1e-3  # float32 is off
    reference = _float64_reference_label(cross, s, positions, class_ids, 4)
    label, _ = label_from_attention(cross, s, positions, class_ids,
                                    cross_size=(8, 8), self_size=(16, 16),
                                    image_size=(64, 64), tau=4)
    assert torch.equal(label.long(), reference)


def test_a_class_without_tokens_labels_nothing():
    cross = torch.rand(16, 6)
    maps = token_class_maps(cross, [[1, 2], []], (4, 4))
    assert torch.equal(maps[1], torch.zeros(4, 4))
    label, _ = label_from_attention(cross, torch.eye(16), [[1, 2], []], [3, 7],
                                    (4, 4), (4, 4), (8, 8), tau=1,
                                    foreground=0.5, uncertain=0.5)
    assert 7 not in label and 3 in label
