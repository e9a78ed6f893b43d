"""Label-making beyond the paper: optional steps between the recorded
attention and the thresholds of :mod:`mmdd.diffusion.labelling.labels`.

Each is a :class:`~mmdd.diffusion.generation_config.GenerationConfig`
setting whose default is the paper's behaviour (and leaves the paper's
code path untouched):

- ``normalisation``: per-class ``'min_max'`` (the paper's) or ``'max'``
  (divide by the class's maximum: a map's floor stays where it is, so a
  class whose attention is flat does not stretch to 1 somewhere);
- ``refined_weight``: the score is ``w * S^tau a + (1 - w) * a`` (each
  normalised), ``w = 1`` the paper's S^tau a; lower keeps the thin parts
  (star and triangle tips) that the products smooth away;
- ``guided_filter_radius`` / ``guided_filter_eps``: the upsampled class
  scores are filtered with the generated image as the guide (the colour
  guided filter of He et al., ECCV 2010 / TPAMI 2013: per window a linear
  model of the scores in the image's RGB, O(pixels) with box filters), so
  label edges follow the image's edges, as CRF / affinity refinement does
  in DiffuMask and DatasetDM. Radius 0 (default) is off.
"""
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

NORMALISATIONS = ('min_max', 'max')


def max_normalise(maps: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each (h, w) map of a (K, h, w) stack divided by its maximum (the
    ``'max'`` normalisation; negative values, from bicubic overshoot, go
    to 0)."""
    flat = maps.flatten(1)
    high = flat.max(dim=1, keepdim=True).values
    return (flat / high.clamp_min(eps)).clamp_min(0).view_as(maps)


def box(maps: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over the (2 radius + 1)^2 window of each (..., H, W) map,
    windows clipped at the border (no padding counted)."""
    shape = maps.shape
    flat = maps.reshape(-1, 1, *shape[-2:])
    mean = F.avg_pool2d(flat, 2 * radius + 1, stride=1, padding=radius,
                        count_include_pad=False)
    return mean.reshape(shape)


def guided_filter(scores: torch.Tensor, image: np.ndarray, radius: int,
                  eps: float) -> torch.Tensor:
    """(K, H, W) scores filtered with an H x W x 3 uint8 RGB guide.

    Per window w_k, q = a_k . I + b_k minimises sum (a . I + b - p)^2 +
    eps |a|^2 (He et al.); every pixel averages the (a, b) of the windows
    that hold it. ``eps`` is in units of the guide scaled to [0, 1].
    Float64 on the scores' device; returns the scores' dtype.
    """
    if radius < 1 or scores.shape[0] == 0:
        return scores
    if image.shape[:2] != tuple(scores.shape[1:]):
        raise ValueError(f'guide {image.shape[:2]} and scores '
                         f'{tuple(scores.shape[1:])} differ in size')
    dtype = scores.dtype
    p = scores.double()
    guide = torch.as_tensor(np.ascontiguousarray(image), device=p.device)
    guide = guide.double().permute(2, 0, 1) / 255  # (3, H, W)
    mean_i = box(guide, radius)  # (3, H, W)
    mean_p = box(p, radius)  # (K, H, W)
    cov_ip = box(p[:, None] * guide[None], radius) - (
        mean_p[:, None] * mean_i[None])
    var_i = box(guide[:, None] * guide[None], radius) - (
        mean_i[:, None] * mean_i[None])
    sigma = var_i.permute(2, 3, 0, 1) + eps * torch.eye(
        3, dtype=p.dtype, device=p.device)  # (H, W, 3, 3)
    a = torch.einsum('khwi,hwij->kjhw', cov_ip.permute(0, 2, 3, 1),
                     torch.linalg.inv(sigma))  # (K, 3, H, W)
    b = mean_p - (a * mean_i[None]).sum(dim=1)
    out = (box(a, radius) * guide[None]).sum(dim=1) + box(b, radius)
    return out.to(dtype)


def blend_refined(refined: torch.Tensor, unrefined: Optional[torch.Tensor],
                  weight: float) -> torch.Tensor:
    """``weight * refined + (1 - weight) * unrefined`` (normalised maps);
    ``weight = 1`` returns ``refined`` itself."""
    if weight == 1 or unrefined is None:
        return refined
    return weight * refined + (1 - weight) * unrefined
