"""A confusion matrix over labelled pixels, and the scores read from it.

Kept separate from mmseg's ``IoUMetric`` because it also counts the ignored
(uncertain) pixels and works on plain numpy label maps outside a Runner.
"""
from dataclasses import dataclass
from typing import List

import numpy as np


def class_iou(matrix: np.ndarray) -> np.ndarray:
    """Per-class IoU of a confusion matrix (rows: truth, columns:
    prediction): hits / (row + column - hits); nan for a class that occurs
    in neither."""
    matrix = np.asarray(matrix, np.float64)
    hits = np.diag(matrix)
    union = matrix.sum(0) + matrix.sum(1) - hits
    return np.divide(hits, union, out=np.full_like(hits, np.nan), where=union
                     > 0)


@dataclass
class LabelScore:
    miou: float  # over classes present in labels or oracle, kept pixels
    precision: float  # correct / kept (labelled, non-ignored) pixels
    ignored: float  # fraction of pixels in the uncertain region
    class_iou: List[float]  # nan where a class never occurs


class ConfusionCounter:
    """Accumulates a confusion matrix over kept pixels, like mmseg's
    IoUMetric, plus the count of ignored ones.

    ``add(label, truth)``: pixels the label ignores are counted, not scored;
    pixels the truth ignores are left out entirely.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.matrix = np.zeros((num_classes, num_classes), np.int64)
        self.ignored = 0
        self.total = 0

    def add(self, label: np.ndarray, truth: np.ndarray) -> None:
        if label.shape != truth.shape:
            raise ValueError(f'label {label.shape} and truth {truth.shape} '
                             'differ in size')
        known = truth != self.ignore_index  # e.g. VOC's boundaries
        kept = known & (label != self.ignore_index)
        self.total += int(known.sum())
        self.ignored += int((known & ~kept).sum())
        index = truth[kept].astype(np.int64) * self.num_classes + label[kept]
        self.matrix += np.bincount(
            index, minlength=self.num_classes**2).reshape(self.matrix.shape)

    def score(self) -> LabelScore:
        iou = class_iou(self.matrix)
        kept = self.matrix.sum()
        return LabelScore(
            miou=float(np.nanmean(iou)) if np.isfinite(iou).any() else 0.0,
            precision=float(np.trace(self.matrix) / kept) if kept else 0.0,
            ignored=self.ignored / self.total if self.total else 0.0,
            class_iou=[float(v) for v in iou])
