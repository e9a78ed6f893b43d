"""An EncoderDecoder that hands each batch's pixel confidence to its losses.

mmseg's decode heads give their losses logits, labels and an optional weight,
never the data samples, so a per-pixel confidence cannot reach the loss
through the heads. ``ConfidenceEncoderDecoder.loss`` stacks the samples'
``gt_confidence`` (see ``PackSegInputsWithConfidence``) into one (N, H, W)
tensor and lends it, for the duration of the call, to every
``UncertaintyCrossEntropyLoss`` in confidence mode, wherever it sits
(decode head, auxiliary head(s), lists of losses).
"""
from contextlib import ExitStack
from typing import List

import torch
import torch.nn.functional as F
from mmseg.models import EncoderDecoder
from mmseg.utils import SampleList

from mmdd.registry import MODELS
from ..losses.uncertainty_ce_loss import (CONFIDENCE_PATH_HINT,
                                          UncertaintyCrossEntropyLoss)


def stack_confidence(data_samples: SampleList) -> torch.Tensor:
    """The samples' ``gt_confidence`` as (N, H, W), each padded to its
    ``gt_sem_seg``.

    ``SegDataPreProcessor`` pads ``gt_sem_seg`` (bottom/right, with 255) to
    the batch size but leaves other fields alone; the confidence is padded the
    same way here, with 0 (those pixels are 255 in the label, so ignored).

    A real sample of a ``RealSynthDataset`` (``metainfo['synthetic']`` is
    False) has exact labels: without a ``gt_confidence`` it gets 1
    everywhere, so its pixels keep their full weight.
    """
    maps = []
    for index, sample in enumerate(data_samples):
        height, width = sample.gt_sem_seg.shape
        if 'gt_confidence' not in sample:
            if sample.metainfo.get('synthetic', True):
                raise ValueError(f'data sample {index} has no gt_confidence: '
                                 f'{CONFIDENCE_PATH_HINT}')
            maps.append(
                sample.gt_sem_seg.data.new_ones((1, height, width),
                                                dtype=torch.float32))
            continue
        confidence = sample.gt_confidence.data
        pad_h = height - confidence.shape[-2]
        pad_w = width - confidence.shape[-1]
        if pad_h < 0 or pad_w < 0:
            raise ValueError(
                f'data sample {index}: gt_confidence '
                f'{tuple(confidence.shape[-2:])} is larger than gt_sem_seg '
                f'{(height, width)}; a transform after '
                'PackSegInputsWithConfidence changed the label alone')
        maps.append(F.pad(confidence, (0, pad_w, 0, pad_h), value=0.0))
    return torch.cat(maps)


@MODELS.register_module()
class ConfidenceEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` whose ``loss`` feeds the pixel confidence to the
    confidence-weighted ``UncertaintyCrossEntropyLoss`` modules.

    Same arguments as mmseg's ``EncoderDecoder``; with no loss in confidence
    mode it behaves exactly like it (and needs no ``gt_confidence``).
    """

    def loss(self, inputs: torch.Tensor, data_samples: SampleList) -> dict:
        losses = self._confidence_losses()
        if not losses:
            return super().loss(inputs, data_samples)
        confidence = stack_confidence(data_samples)
        with ExitStack() as stack:
            for loss in losses:
                stack.enter_context(loss.pixel_confidence(confidence))
            return super().loss(inputs, data_samples)

    def _confidence_losses(self) -> List[UncertaintyCrossEntropyLoss]:
        return [
            module for module in self.modules()
            if isinstance(module, UncertaintyCrossEntropyLoss)
            and module.confidence_weighting
        ]
