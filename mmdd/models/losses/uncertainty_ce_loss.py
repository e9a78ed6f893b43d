"""Cross-entropy that ignores uncertain pixels and can weight by confidence.

Dataset Diffusion labels a pixel 255 where its best class score is neither
clearly high nor clearly low; those pixels are ignored (the paper). On top,
``confidence_weighting=True`` scales each labelled pixel's cross-entropy by
``max(confidence_floor, confidence)``: an mmdd extension, off by default.

mmseg's decode heads call ``loss_decode(seg_logits, seg_label, weight=...,
ignore_index=...)`` and pass no data samples, so the per-pixel confidence
reaches the loss out of band: ``ConfidenceEncoderDecoder.loss`` hands the
batch's confidence to every loss of this type for the duration of the call,
through :meth:`UncertaintyCrossEntropyLoss.pixel_confidence`.
"""
from contextlib import contextmanager
from typing import Iterator, Optional

import torch
import torch.nn as nn
from mmseg.models.losses import cross_entropy

from mmdd.registry import MODELS

CONFIDENCE_PATH_HINT = (
    'use type="ConfidenceEncoderDecoder" as the model, and LoadConfidenceMap '
    '(after LoadAnnotations) + PackSegInputsWithConfidence (instead of '
    'PackSegInputs) in the train pipeline; or set confidence_weighting=False '
    '(ignore-only, as in the paper)')


@MODELS.register_module()
class UncertaintyCrossEntropyLoss(nn.Module):
    """Softmax cross-entropy over classes; pixels equal to ``ignore_index``
    get no loss and no gradient.

    Args:
        loss_weight: factor on the loss.
        ignore_index: label value to ignore when the caller passes none
            (mmseg's decode heads pass their own ``ignore_index``, which wins).
        confidence_weighting: scale each pixel's cross-entropy by
            ``max(confidence_floor, confidence)``; needs the batch confidence
            from ``ConfidenceEncoderDecoder``. False: ignore-only (the paper).
        confidence_floor: the smallest weight a labelled pixel can get, in
            [0, 1], so that low-confidence pixels still teach something.
        avg_non_ignore: divide the (weighted) sum by the number of
            non-ignored pixels, as mmseg's ``CrossEntropyLoss`` does with
            ``avg_non_ignore=True``; False divides by all pixels (mmseg's
            default, which shrinks the loss as more pixels are uncertain).
            Confidence weights are not renormalised: a low-confidence batch
            pulls less than a confident one.
        loss_name: key of the loss in the loss dict; must start with
            ``loss_`` to be back-propagated.
    """

    def __init__(self, loss_weight: float = 1.0, ignore_index: int = 255,
                 confidence_weighting: bool = False,
                 confidence_floor: float = 0.1, avg_non_ignore: bool = True,
                 loss_name: str = 'loss_ce') -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(
                f'loss_name={loss_name!r} must start with "loss_", otherwise '
                'mmengine does not back-propagate it (e.g. "loss_ce")')
        self._loss_name = loss_name
        # The cross-entropy itself, as mmseg's CrossEntropyLoss takes it.
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self.avg_non_ignore = avg_non_ignore
        # The confidence weighting, and the batch's map while it is set.
        if not 0.0 <= confidence_floor <= 1.0:
            raise ValueError(f'confidence_floor={confidence_floor} must lie '
                             'in [0, 1] (confidences are in [0, 1])')
        self.confidence_weighting = confidence_weighting
        self.confidence_floor = confidence_floor
        self._confidence: Optional[torch.Tensor] = None

    @property
    def loss_name(self) -> str:
        return self._loss_name

    @contextmanager
    def pixel_confidence(self, confidence: torch.Tensor) -> Iterator[None]:
        """Use ``confidence`` (N, H, W), in [0, 1], inside the block."""
        previous, self._confidence = self._confidence, confidence
        try:
            yield
        finally:
            self._confidence = previous

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: Optional[int] = None) -> torch.Tensor:
        """Mean cross-entropy of ``cls_score`` (N, C, H, W) against ``label``
        (N, H, W); ``weight`` (N, H, W) is a per-pixel factor, e.g. from an
        OHEM sampler, multiplied with the confidence weight."""
        if ignore_index is None:
            ignore_index = self.ignore_index
        if self.confidence_weighting:
            confidence = self._confidence_weight(label)
            weight = confidence if weight is None else weight * confidence
        return self.loss_weight * cross_entropy(
            cls_score, label, weight, reduction='mean',
            ignore_index=ignore_index, avg_non_ignore=self.avg_non_ignore)

    def _confidence_weight(self, label: torch.Tensor) -> torch.Tensor:
        if self._confidence is None:
            raise RuntimeError(
                f'{self.loss_name}: confidence_weighting=True but no pixel '
                f'confidence was given for this batch: {CONFIDENCE_PATH_HINT}')
        if self._confidence.shape != label.shape:
            raise ValueError(
                f'{self.loss_name}: the pixel confidence has shape '
                f'{tuple(self._confidence.shape)} but the label '
                f'{tuple(label.shape)}: this decode head does not compute its '
                'loss on the whole (padded) label map (e.g. PointHead samples '
                'points); use confidence_weighting=False for its loss')
        return self._confidence.clamp(min=self.confidence_floor)

    def extra_repr(self) -> str:
        return (f'confidence_weighting={self.confidence_weighting}, '
                f'confidence_floor={self.confidence_floor}, '
                f'avg_non_ignore={self.avg_non_ignore}')
