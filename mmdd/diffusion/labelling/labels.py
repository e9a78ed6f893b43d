"""From recorded attention to a label map with an uncertain region.

For one image, with ``K`` classes:

1. class map a_c = the class-prompt cross-attention of the class's tokens,
   averaged over them, upsampled (bicubic) to the self-attention size;
2. refined map = S^tau a_c, S the (N x N) self-attention, by tau products
   with the map (never a matrix power: N x N x K per product, not N^3),
   in float64: at tau = 4 the refined maps of SD differ by only about
   1e-3 of their mean, below what float32 products resolve;
3. per-class min-max normalisation to [0, 1] (float64), bicubic upsampling
   to the image size (float32);
4. per pixel, the argmax over the upsampled scores as they are (bicubic
   overshoot can push two classes above 1: the larger wins) and
   m = that max clamped to [0, 1]: m >= foreground -> argmax class,
   uncertain <= m < foreground -> ignore index, m < uncertain -> 0
   (background). ``m`` is returned as the pixel's confidence.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .refinement import blend_refined, guided_filter, max_normalise

Size = Tuple[int, int]


def token_class_maps(cross: torch.Tensor, positions: Sequence[Sequence[int]],
                     size: Size) -> torch.Tensor:
    """(N, tokens) cross-attention -> (K, h, w), each class's token mean.

    A class without tokens (a text that never names it) gets a zero map:
    after min-max normalisation it scores 0 everywhere and labels nothing.
    """
    if not positions:
        return cross.new_zeros((0, *size))
    return torch.stack([
        cross[:, list(pos)].mean(
            dim=1) if pos else cross.new_zeros(cross.shape[0])
        for pos in positions
    ]).view(-1, *size)


def resize(maps: torch.Tensor, size: Size) -> torch.Tensor:
    """Bicubic resize of (K, h, w) maps."""
    if maps.shape[0] == 0:
        return maps.new_zeros((0, *size))
    return F.interpolate(maps[None], size=size, mode='bicubic',
                         align_corners=False)[0]


def refine(self_attention: torch.Tensor, maps: torch.Tensor,
           tau: int) -> torch.Tensor:
    """S^tau a_c for every class map: (N, N) and (K, h, w) -> (K, h, w)."""
    flat = maps.flatten(1).T  # (N, K)
    for _ in range(tau):
        flat = self_attention @ flat
    return flat.T.reshape(maps.shape)


def min_max(maps: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Normalise each (h, w) map of a (K, h, w) stack to [0, 1]."""
    flat = maps.flatten(1)
    low = flat.min(dim=1, keepdim=True).values
    high = flat.max(dim=1, keepdim=True).values
    return ((flat - low) / (high - low).clamp_min(eps)).view_as(maps)


def threshold(scores: torch.Tensor, class_ids: Sequence[int],
              foreground: float = 0.6, uncertain: float = 0.5,
              ignore_index: int = 255) -> Tuple[torch.Tensor, torch.Tensor]:
    """(K, H, W) scores -> (label uint8, confidence float32).

    The argmax runs over the scores unclamped; only the confidence (the
    winning score) is clamped to [0, 1].
    """
    if len(class_ids) != scores.shape[0]:
        raise ValueError(f'{scores.shape[0]} score maps for {len(class_ids)} '
                         'class ids')
    if scores.shape[0] == 0:
        confidence = scores.new_zeros(scores.shape[1:], dtype=torch.float32)
        return confidence.to(torch.uint8), confidence
    best_score, best = scores.float().max(dim=0)
    confidence = best_score.clamp(0, 1)
    ids = torch.as_tensor(class_ids, device=scores.device)
    label = torch.where(confidence >= foreground, ids[best],
                        torch.where(confidence >= uncertain, ignore_index, 0))
    return label.to(torch.uint8), confidence


def label_from_attention(
        cross: torch.Tensor, self_attention: torch.Tensor,
        positions: Sequence[Sequence[int]], class_ids: Sequence[int],
        cross_size: Size, self_size: Size, image_size: Size, tau: int = 4,
        foreground: float = 0.6, uncertain: float = 0.5,
        ignore_index: int = 255, normalisation: str = 'min_max',
        refined_weight: float = 1.0, image: Optional[np.ndarray] = None,
        guided_filter_radius: int = 0,
        guided_filter_eps: float = 0.01) -> Tuple[torch.Tensor, torch.Tensor]:
    """One image's label and confidence (H, W) from its averaged attention.

    ``cross`` (h_c * w_c, tokens): class-prompt cross-attention;
    ``self_attention`` (h_s * w_s, h_s * w_s); ``positions[k]``: the class
    prompt token positions of ``class_ids[k]``. The settings after
    ``ignore_index`` go beyond the paper (:mod:`.label_refinement`; their
    defaults are the paper's steps); the guided filter needs ``image``,
    the generated H x W x 3 uint8 RGB image.
    """
    device = self_attention.device
    norm = max_normalise if normalisation == 'max' else min_max
    maps = resize(
        token_class_maps(_float64(cross), positions, cross_size), self_size)
    refined = norm(refine(_float64(self_attention), maps, tau))
    if tau > 0 and refined_weight != 1:
        refined = blend_refined(refined, norm(maps), refined_weight)
    scores = resize(refined.to(device, torch.float32), image_size)
    if guided_filter_radius > 0:
        if image is None:
            raise ValueError('guided_filter_radius > 0 needs the image')
        scores = guided_filter(scores, image, guided_filter_radius,
                               guided_filter_eps)
    return threshold(scores, class_ids, foreground, uncertain, ignore_index)


def _float64(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` in float64, on the CPU where the device has no float64
    (Apple MPS); the products are N x N x K, cheap either way."""
    if tensor.device.type == 'mps':
        tensor = tensor.cpu()
    return tensor.double()
