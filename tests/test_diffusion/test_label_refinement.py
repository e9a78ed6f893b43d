"""Label-making beyond the paper (mmdd/diffusion/labelling/refinement.py and
the store's weightings): each setting changes what it claims, and its
default is the paper's step exactly."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmdd.diffusion.generation_config import LABEL_DEFAULTS, GenerationConfig
from mmdd.diffusion.labelling.attention_store import (AttentionStore,
                                                      row_entropy)
from mmdd.diffusion.labelling.labels import (label_from_attention, min_max,
                                             refine)
from mmdd.diffusion.labelling.refinement import (box, guided_filter,
                                                 max_normalise)
from .test_labels import block_self_attention


def square_scene(size=32):
    """A red square on grey, its mask, and a blurred, shifted score map
    (attention is coarse: its edges are soft and off by a pixel)."""
    image = np.full((size, size, 3), 120, np.uint8)
    image[8:20, 10:22] = (220, 30, 30)
    mask = np.zeros((size, size), bool)
    mask[8:20, 10:22] = True
    shifted = np.roll(mask, (1, 1), axis=(0, 1)).astype(np.float32)
    scores = box(torch.from_numpy(shifted)[None], 3)
    return image, mask, min_max(scores)


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


def test_guided_filter_snaps_scores_to_the_image_edges():
    image, mask, scores = square_scene()
    before = iou(scores[0].numpy() >= 0.5, mask)
    filtered = guided_filter(scores, image, radius=2, eps=1e-3)
    after = iou(filtered[0].numpy() >= 0.5, mask)
    assert before < 0.75 and after > 0.9, (before, after)
    assert filtered.dtype == scores.dtype
    assert guided_filter(scores, image, 0, 1e-3) is scores  # radius 0: off


def test_guided_filter_with_a_flat_guide_is_a_box_mean():
    scores = torch.rand(2, 12, 12, dtype=torch.float64)
    flat = np.full((12, 12, 3), 90, np.uint8)
    assert torch.allclose(
        guided_filter(scores, flat, 1, 1e-2), box(box(scores, 1), 1))


def test_guided_filter_through_label_from_attention():
    """4x4 cross-attention of a square, upsampled to 32 px: the guided
    labels follow the red square, the paper's follow the coarse grid."""
    image, mask, _ = square_scene()
    cross = torch.zeros(16, 77)
    for cell in (4 + 1, 4 + 2, 8 + 1, 8 + 2):
        cross[cell, 1] = 1.0
    eye = torch.eye(16)
    common = dict(positions=[[1]], class_ids=[1], cross_size=(4, 4),
                  self_size=(4, 4), image_size=(32, 32), tau=0)
    paper, _ = label_from_attention(cross, eye, **common)
    # The window must span the coarse grid's error (8 px cells here).
    guided, _ = label_from_attention(cross, eye, image=image,
                                     guided_filter_radius=6,
                                     guided_filter_eps=1e-3, **common)
    assert iou(paper.numpy() == 1, mask) < 0.65
    assert iou(guided.numpy() == 1, mask) > 0.95
    with pytest.raises(ValueError, match='needs the image'):
        label_from_attention(cross, eye, guided_filter_radius=2, **common)


def test_refined_weight_keeps_a_thin_part_that_s_tau_removes():
    """A blob and a one-pixel line of one class; S^4 (each pixel averages
    its 4-neighbours) thins the line below the threshold, the mix with
    the unrefined map keeps it."""
    size = 12
    s = block_self_attention(size, blocks=1)
    cross = torch.zeros(size * size, 77)
    grid = torch.zeros(size, size)
    grid[2:8, 2:8] = 1.0  # blob
    grid[10, 1:11] = 1.0  # thin line
    cross[:, 1] = grid.flatten()
    common = dict(positions=[[1]], class_ids=[1], cross_size=(size, size),
                  self_size=(size, size), image_size=(size, size), tau=4)
    paper, _ = label_from_attention(cross, s, **common)
    mixed, _ = label_from_attention(cross, s, refined_weight=0.3, **common)
    assert paper[10, 3:9].eq(0).all()  # the line is gone
    assert mixed[10, 3:9].eq(1).all()  # kept
    assert mixed[4:6, 4:6].eq(1).all()


def test_max_normalisation_keeps_a_maps_floor():
    maps = torch.full((1, 4, 4), 0.5, dtype=torch.float64)
    maps[0, 1:3, 1:3] = 1.0
    assert torch.equal(min_max(maps)[0, 0, 0], torch.tensor(0.0).double())
    assert torch.allclose(
        max_normalise(maps)[0, 0, 0],
        torch.tensor(0.5).double())
    assert max_normalise(-maps).min() == 0  # negatives go to 0
    cross = maps.flatten()[:, None].float()
    common = dict(positions=[[0]], class_ids=[3], cross_size=(4, 4),
                  self_size=(4, 4), image_size=(4, 4), tau=0)
    paper, _ = label_from_attention(cross, torch.eye(16), **common)
    floor, _ = label_from_attention(cross, torch.eye(16), normalisation='max',
                                    **common)
    assert paper[0, 0] == 0 and floor[0, 0] == 255  # 0.5: uncertain band
    assert paper[1, 1] == floor[1, 1] == 3


def test_defaults_are_the_papers_labels_exactly():
    torch.manual_seed(0)
    s = torch.softmax(torch.randn(64, 64), dim=1)
    cross = torch.softmax(torch.randn(16, 77), dim=1)
    image = np.random.default_rng(0).integers(0, 255, (16, 16, 3), np.uint8)
    common = dict(positions=[[1], [2, 3]], class_ids=[1, 2], cross_size=(4, 4),
                  self_size=(8, 8), image_size=(16, 16), tau=4)
    paper = label_from_attention(cross, s, **common)
    explicit = label_from_attention(
        cross, s, image=image, **common, **{
            k: v
            for k, v in LABEL_DEFAULTS.items() if 'weighting' not in k
        })
    assert all(torch.equal(a, b) for a, b in zip(paper, explicit))
    refined = min_max(refine(s.double(), torch.rand(2, 8, 8).double(), 4))
    assert refined.shape == (2, 8, 8)


def layer(name, kind='cross'):
    return SimpleNamespace(name=name, kind=kind)


def test_linear_step_weighting_weighs_later_steps_more():
    first, second = torch.rand(1, 3, 5), torch.rand(1, 3, 5)
    stores = {
        w: AttentionStore([layer('a')], step_weighting=w)
        for w in ('mean', 'linear')
    }
    for store in stores.values():
        store.add(store.layers['a'], first.clone())
        store.add(store.layers['a'], second.clone())
    assert torch.allclose(stores['mean'].average('cross'),
                          (first + second) / 2)
    assert torch.allclose(stores['linear'].average('cross'),
                          (first + 2 * second) / 3)


def test_sharpness_layer_weighting_favours_the_sharper_layer():
    sharp = torch.softmax(8 * torch.eye(4), dim=1)[None]
    diffuse = torch.full((1, 4, 4), 0.25)
    store = AttentionStore(
        [layer('a'), layer('b'), layer('s', 'self')],
        layer_weighting='sharpness')
    for _ in range(2):
        store.add(store.layers['a'], sharp.clone())
        store.add(store.layers['b'], diffuse.clone())
        store.add(store.layers['s'], diffuse.clone())
    w_a, w_b = 1 / row_entropy(sharp), 1 / row_entropy(diffuse)
    expected = (w_a * sharp + w_b * diffuse) / (w_a + w_b)
    assert torch.allclose(store.average('cross'), expected)
    assert w_a > w_b  # so the average leans to the sharp layer
    assert torch.allclose(store.average('self'), diffuse)
    with pytest.raises(ValueError, match='layer_weighting'):
        AttentionStore([], layer_weighting='max')


def test_new_settings_stay_out_of_manifests_at_their_defaults():
    settings = GenerationConfig().content_settings()
    assert not set(LABEL_DEFAULTS) & set(settings)
    tuned = GenerationConfig(refined_weight=0.5, guided_filter_radius=2)
    assert tuned.content_settings()['refined_weight'] == 0.5
    # The filter's eps is part of the content while the filter is on.
    assert tuned.content_settings()['guided_filter_eps'] == 0.01
    for bad in (dict(step_weighting='late'), dict(normalisation='z'),
                dict(refined_weight=1.5), dict(guided_filter_radius=-1)):
        with pytest.raises(ValueError):
            GenerationConfig(**bad)
