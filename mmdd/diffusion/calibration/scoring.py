"""Label mIoU of a candidate against real masks.

Labels are made by the generator's own :meth:`LabelledImageGenerator.label`
(:mod:`mmdd.diffusion.labelling`), with the real image as the guided
filter's guide. The score counts uncertain pixels as misses by default
(``uncertain='miss'``): otherwise a wide uncertain band would always win,
labelling only the easiest pixels. ``uncertain='skip'`` scores as the
shapes benchmarks do (:class:`~mmdd.diffusion.labelling.confusion.\
ConfusionCounter`: uncertain pixels counted, not scored).
"""
from dataclasses import replace
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmdd.diffusion.labelling.confusion import (ConfusionCounter, LabelScore,
                                                class_iou)
from ..generation_config import GenerationConfig, SampleAttention
from ..generator import LabelledImageGenerator

UNCERTAIN_RULES = ('miss', 'skip')


class LabelCounter:
    """A confusion matrix of labels against masks (mask ``ignore_index``
    pixels left out), the uncertain ones as ``uncertain`` says."""

    def __init__(self, num_classes: int, ignore_index: int = 255,
                 uncertain: str = 'miss'):
        if uncertain not in UNCERTAIN_RULES:
            raise ValueError(f'uncertain must be one of {UNCERTAIN_RULES}, '
                             f'got {uncertain!r}')
        self.num_classes, self.ignore_index = num_classes, ignore_index
        self.uncertain = uncertain
        # One more column: the uncertain label, a miss of every class.
        extra = uncertain == 'miss'
        self.counter = ConfusionCounter(num_classes + extra, ignore_index)

    def add(self, label: np.ndarray, mask: np.ndarray) -> None:
        if self.uncertain == 'miss':
            label = np.where(label == self.ignore_index, self.num_classes,
                             label).astype(np.uint8)
        self.counter.add(label, mask)

    def score(self) -> LabelScore:
        score = self.counter.score()
        if self.uncertain == 'skip':
            return score
        matrix = self.counter.matrix
        iou = class_iou(matrix)[:self.num_classes]
        kept = matrix[:self.num_classes, :self.num_classes].sum()
        ignored = matrix[:, self.num_classes].sum()
        total = matrix.sum()
        return LabelScore(
            miou=float(np.nanmean(iou)) if np.isfinite(iou).any() else 0.0,
            precision=float(np.trace(matrix[:self.num_classes]) /
                            kept) if kept else 0.0,
            ignored=float(ignored / total) if total else 0.0,
            class_iou=[float(v) for v in iou])


def with_thresholds(label: np.ndarray, confidence: np.ndarray,
                    foreground: float, uncertain: float,
                    ignore_index: int) -> np.ndarray:
    """The label that thresholds ``foreground`` / ``uncertain`` give, from
    the label and confidence made with both thresholds at 0 (every pixel
    then holds its best class): the rule of
    :func:`mmdd.diffusion.labelling.labels.threshold`, so the
    thresholds family costs no labelling (tested equal)."""
    return np.where(confidence >= foreground, label,
                    np.where(confidence >= uncertain, ignore_index,
                             0)).astype(np.uint8)


class Labeller:
    """Scores candidates on a set of images, labelling each image once
    per candidate up to the thresholds (the last few kept)."""

    def __init__(self, generator: LabelledImageGenerator,
                 images: Sequence[np.ndarray], masks: Sequence[np.ndarray],
                 uncertain: str = 'miss', keep: int = 4):
        self.generator, self.images, self.masks = generator, images, masks
        self.uncertain, self.keep = uncertain, keep
        self.cache: Dict[tuple, List[Tuple[np.ndarray, np.ndarray]]] = {}

    def labels(self, attentions: Sequence[SampleAttention],
               config: GenerationConfig, key: tuple,
               indices: Sequence[int]) -> List[np.ndarray]:
        """The labels of images ``indices`` under ``config``; ``key``
        names ``attentions`` and ``config`` up to the thresholds."""
        if key not in self.cache:
            if len(self.cache) >= self.keep:
                self.cache.clear()
            self.cache[key] = {}
        made = self.cache[key]
        free = replace(config, foreground_threshold=0.0,
                       uncertain_threshold=0.0)
        for i in indices:
            if i not in made:
                made[i] = self.generator.label(attentions[i],
                                               image=self.images[i],
                                               config=free)
        return [
            with_thresholds(*made[i], config.foreground_threshold,
                            config.uncertain_threshold, config.ignore_index)
            for i in indices
        ]

    def score(self, attentions: Sequence[SampleAttention],
              config: GenerationConfig, key: tuple,
              indices: Sequence[int]) -> LabelScore:
        counter = LabelCounter(
            len(self.generator.class_names), config.ignore_index,
            self.uncertain)
        for i, label in zip(indices,
                            self.labels(attentions, config, key, indices)):
            counter.add(label, self.masks[i])
        return counter.score()
