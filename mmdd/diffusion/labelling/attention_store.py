"""Running sums of recorded attention maps (UNet and DiT recorders).

By default (the paper's) a kind's map is the plain mean over its layers
and the denoising steps. Two settings beyond the paper
(:class:`~mmdd.diffusion.generation_config.GenerationConfig`):

- ``step_weighting='linear'``: the t-th recorded call of a layer (t = 0
  the noisiest step) weighs t + 1, so the later, less noisy steps count
  more; the result is still a weighted mean (weights sum to one);
- ``layer_weighting='sharpness'``: each layer keeps its own sum, and the
  layers' step averages are combined with weights 1 / H_l, H_l the mean
  entropy (nats) of that layer's averaged attention rows: a layer whose
  queries attend sharply counts more than a diffuse one.
"""
from typing import Dict, Sequence

import torch

STEP_WEIGHTINGS = ('mean', 'linear')
LAYER_WEIGHTINGS = ('mean', 'sharpness')


def step_weight(weighting: str, step: int) -> float:
    """The weight of the ``step``-th call (from 0) of a layer."""
    return 1.0 if weighting == 'mean' else step + 1.0


def row_entropy(maps: torch.Tensor) -> torch.Tensor:
    """Mean entropy (nats) of the rows of (batch, queries, keys)
    probabilities: one value per sample."""
    probs = maps.clamp_min(1e-12)
    return -(probs * probs.log()).sum(dim=-1).mean(dim=-1)


class AttentionStore:
    """Running sums of recorded attention maps, one per kind, on the device.

    Each recorded call adds a (batch, queries, keys) float32 map averaged over
    heads; :meth:`average` divides by layers x calls, i.e. the mean over the
    layers of a kind and the denoising steps (UNet evaluations), or the
    weighted means of ``step_weighting`` / ``layer_weighting``. ``layers``:
    objects with a ``name`` and a ``kind``.
    """

    def __init__(self, layers: Sequence, step_weighting: str = 'mean',
                 layer_weighting: str = 'mean'):
        if step_weighting not in STEP_WEIGHTINGS:
            raise ValueError(f'step_weighting must be one of '
                             f'{STEP_WEIGHTINGS}, got {step_weighting!r}')
        if layer_weighting not in LAYER_WEIGHTINGS:
            raise ValueError(f'layer_weighting must be one of '
                             f'{LAYER_WEIGHTINGS}, got {layer_weighting!r}')
        self.layers = {layer.name: layer for layer in layers}
        self.calls: Dict[str, int] = {layer.name: 0 for layer in layers}
        self.sums: Dict[str, torch.Tensor] = {}
        self.step_weighting = step_weighting
        self.layer_weighting = layer_weighting

    def add(self, layer, probs: torch.Tensor) -> None:
        weight = step_weight(self.step_weighting, self.calls[layer.name])
        if weight != 1:
            probs = probs * weight
        # Per layer when layers are weighted, else one sum per kind.
        key = layer.name if self.layer_weighting != 'mean' else layer.kind
        if key in self.sums:
            self.sums[key] += probs
        else:
            self.sums[key] = probs.float()
        self.calls[layer.name] += 1

    def pop_sums(self) -> Dict[str, torch.Tensor]:
        """The sums added since the last pop (keyed by layer name with a
        per-layer weighting, else by kind), and forget them: the
        calibration (:mod:`mmdd.diffusion.calibration`) takes each
        timestep's maps this way. :meth:`average` needs the sums kept."""
        sums, self.sums = self.sums, {}
        return sums

    def average(self, kind: str) -> torch.Tensor:
        names = [
            name for name, layer in self.layers.items() if layer.kind == kind
        ]
        calls = {self.calls[name] for name in names}
        if len(calls) != 1 or 0 in calls:
            raise RuntimeError(
                f'{kind}-attention layers were called unequal or zero times '
                f'({self.calls}); was the UNet run inside record_attention?')
        steps = calls.pop()
        if self.step_weighting == 'mean' and self.layer_weighting == 'mean':
            return self.sums[kind] / (len(names) * steps)
        total = sum(step_weight(self.step_weighting, t) for t in range(steps))
        if self.layer_weighting == 'mean':
            return self.sums[kind] / (len(names) * total)
        means = [self.sums[name] / total for name in names]
        weights = [1 / row_entropy(m).clamp_min(1e-6) for m in means]
        norm = sum(weights)
        return sum(w[:, None, None] / norm[:, None, None] * m
                   for w, m in zip(weights, means))
