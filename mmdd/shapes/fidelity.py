"""How right are attention labels? Score them against an oracle.

For the shapes world the truth of a *generated* image is known without any
model: its flat-colour objects segment by colour
(:func:`mmdd.shapes.world.oracle_label`). One denoising pass per sample
records the attention once; every labelling variant (tau, with or without
the uncertain band) is then derived from the same recording, so variants
differ only in the labelling.
"""
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image

from mmdd.diffusion.generator import (GenerationConfig, LabelledImageGenerator,
                                      SampleRequest)
from mmdd.diffusion.labelling.confusion import ConfusionCounter, LabelScore
from mmdd.utils.progress import progress_bar
from .config_settings import generation_settings
from .world import SHAPES_CLASSES, oracle_label, render_scene

# First scene seed of the captions the benchmark and demo generate from
# (disjoint from the model's training scenes and the real splits).
PROMPT_SEED = 700_000


@dataclass(frozen=True)
class Labelling:
    """One way to turn attention into labels."""
    tau: int
    foreground: float
    uncertain: float

    @property
    def name(self) -> str:
        band = ('no band' if self.foreground == self.uncertain else
                f'band {self.uncertain}-{self.foreground}')
        return f'tau={self.tau}, {band}'


def shapes_requests(count: int,
                    first_seed: int = PROMPT_SEED) -> List[SampleRequest]:
    """Captions and classes of fresh world scenes, one request each."""
    requests = []
    for i in range(count):
        scene = render_scene(first_seed + i)
        requests.append(
            SampleRequest(scene.caption, scene.class_ids, seed=first_seed + i))
    return requests


def label_fidelity(
        generator: LabelledImageGenerator, requests: Sequence[SampleRequest],
        labellings: Iterable[Labelling], batch_size: int = 16,
        progress: bool = True,
        keep: Optional[int] = 0) -> Tuple[Dict[Labelling, LabelScore], list]:
    """Score each labelling over the generated samples of ``requests``.

    Returns the scores and the first ``keep`` samples (for pictures).
    """
    labellings = list(labellings)
    ignore = generator.config.ignore_index
    counters = {
        lab: ConfusionCounter(len(SHAPES_CLASSES), ignore)
        for lab in labellings
    }
    kept = []
    bar = progress_bar(
        total=len(requests), desc='generate', disable=not progress, unit='img')
    for start in range(0, len(requests), batch_size):
        batch = requests[start:start + batch_size]
        for sample in generator.generate(batch, keep_attention=True):
            truth = oracle_label(sample.image)
            for labelling in labellings:
                label, _ = generator.label(sample.attention, labelling.tau,
                                           labelling.foreground,
                                           labelling.uncertain)
                counters[labelling].add(label, truth)
            if len(kept) < (keep or 0):
                kept.append((sample, truth))
        bar.update(len(batch))
    bar.close()
    return {lab: c.score() for lab, c in counters.items()}, kept


def shapes_generation_config(**overrides) -> GenerationConfig:
    """The generation settings of ``mmdd::shapes-t2i``, as its config
    ``configs/_base_/generation/shapes_t2i.py`` gives them.

    No negative prompt: the model was trained with the empty caption as its
    unconditional input. Cross-attention is read at 8x8 and self-attention
    at 16x16, the two resolutions the UNet has (coarse and fine, as the
    paper's 16x16 and 32x32 on SD). tau = 1, not the paper's 4: a 16x16
    self-attention map spreads a class over a 4x larger share of the image
    per product than SD's 32x32 one. Chosen on captions from seeds
    800 000+ (held out from the benchmark's); see docs/shapes_world.md.
    """
    return GenerationConfig(
        **dict(generation_settings('shapes_t2i'), **overrides))


def shapes_dit_generation_config(**overrides) -> GenerationConfig:
    """The settings ``configs/_base_/generation/shapes_dit.py`` gives
    ``mmdd::shapes-dit``: as :func:`shapes_generation_config`, with no T5
    tokens (the model was trained without any), both attentions read on
    its 16x16 token grid (latent / 2) and the paper's tau = 4."""
    return GenerationConfig(
        **dict(generation_settings('shapes_dit'), **overrides))


def model_generation_config(pipeline, **overrides) -> GenerationConfig:
    """The shapes configs' settings for a loaded shapes model: the
    transformer's (:func:`shapes_dit_generation_config`) for an SD3
    pipeline, else the UNet models' (:func:`shapes_generation_config`)."""
    if hasattr(pipeline, 'transformer'):
        return shapes_dit_generation_config(**overrides)
    return shapes_generation_config(**overrides)


def same_class_attention(self_attention: torch.Tensor,
                         truth: np.ndarray) -> Tuple[float, float]:
    """How semantic a self-attention map is, against the oracle ``truth``.

    For each foreground query pixel: the share of its attention that falls
    on pixels of its own class, and the share of the image that class
    covers (what uniform attention would give). Returns both, averaged
    over the foreground. Exponentiation (S^tau) sharpens labels only where
    the first is well above the second; near 1x, every product with S
    averages a class map towards its mean and leaves noise.
    """
    cells = self_attention.shape[0]
    side = int(round(cells**0.5))
    if side * side != cells or self_attention.shape != (cells, cells):
        raise ValueError('self_attention: a square (h*w, h*w) map of a '
                         f'square grid, got {tuple(self_attention.shape)}')
    small = np.asarray(
        Image.fromarray(truth).resize((side, side), Image.NEAREST)).reshape(-1)
    foreground = torch.from_numpy(small != 0)
    if not foreground.any():
        raise ValueError('truth has no foreground pixel to score')
    same = torch.from_numpy(small[:, None] == small[None, :]).to(
        self_attention.dtype)
    mass = (self_attention * same).sum(1)[foreground]
    share = same.mean(1)[foreground]
    return float(mass.mean()), float(share.mean())


def attention_spread(self_attention: torch.Tensor) -> float:
    """How many keys a query attends to, as a share of the grid.

    The perplexity (exp of the entropy) of each query's attention row over
    the number of keys, averaged over queries: 1.0 is uniform attention,
    1 / keys attention to a single pixel. Measured in float64 so that
    near-uniform rows do not round to exactly 1.
    """
    if self_attention.dim() != 2:
        raise ValueError('self_attention: a (queries, keys) map, got shape '
                         f'{tuple(self_attention.shape)}')
    rows = self_attention.double()
    rows = rows / rows.sum(1, keepdim=True)
    entropy = -(rows * rows.clamp_min(1e-300).log()).sum(1)
    return float(entropy.exp().mean() / rows.shape[1])
