"""Time of the label computation per image, from recorded-size attention.

Synthetic attention of the recorded shapes (row-stochastic self-attention
S of ``grid x grid`` positions, cross-attention at half that grid against
77 class-prompt tokens, 3 classes, tau = 4, image 16x the grid: SD at
512 px is grid 32) labelled by mmdd (:func:`label_from_attention`, float64
products) and, for comparison, the same steps with float32 products and
the argmax over clamped scores (mmdd before issue 12's two fixes); and the
S^tau products with min-max normalisation alone, in each precision.
"""
from typing import Dict, List

import torch

from bench.common.measure import alternate, medians
from mmdd.diffusion.labelling.labels import (label_from_attention, min_max,
                                             refine, resize, threshold,
                                             token_class_maps)

POSITIONS, CLASS_IDS, TAU = [[5], [6, 7], [9]], [3, 8, 15], 4


def float32_labelling(cross, s, cross_size, self_size, image_size):
    """mmdd's labelling before the float64 products and unclamped argmax."""
    maps = resize(
        token_class_maps(cross.float(), POSITIONS, cross_size), self_size)
    maps = min_max(refine(s.float(), maps, TAU))
    return threshold(resize(maps, image_size).clamp(0, 1), CLASS_IDS)


def label_timing_rows(device: str, grid: int = 32,
                      repeats: int = 30) -> List[Dict]:
    generator = torch.Generator().manual_seed(0)
    half = max(grid // 2, 1)
    s = torch.randn(grid * grid, grid * grid,
                    generator=generator).softmax(dim=1).to(device)
    cross = torch.randn(half * half, 77,
                        generator=generator).softmax(dim=1).to(device)
    sizes = ((half, half), (grid, grid), (16 * grid, 16 * grid))
    maps = torch.rand(len(CLASS_IDS), grid, grid, generator=generator)
    maps = maps.to(device)
    runs = {
        'mmdd (float64 products)':
        lambda: label_from_attention(cross, s, POSITIONS, CLASS_IDS, *sizes,
                                     tau=TAU),
        'float32 products, clamped argmax (before)':
        lambda: float32_labelling(cross, s, *sizes),
        'S^tau products + min-max only, float64':
        lambda: min_max(refine(s.double(), maps.double(), TAU)).float(),
        'S^tau products + min-max only, float32':
        lambda: min_max(refine(s, maps, TAU)),
    }
    times = alternate(runs, repeats, device)
    return [
        dict(
            labelling=name, self_grid=f'{grid}x{grid}',
            cross_grid=f'{half}x{half}', image=f'{16 * grid}x{16 * grid}',
            classes=len(CLASS_IDS), tau=TAU,
            ms_per_image=round(medians(t)['wall'] * 1e3, 3),
            **({
                'cpu_ms_per_image': round(medians(t)['cpu'] * 1e3, 3)
            } if 'cpu' in t[0] else {})) for name, t in times.items()
    ]
