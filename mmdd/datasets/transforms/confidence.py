"""Carry the per-pixel label confidence through an mmseg train pipeline.

mmcv's Resize/RandomResize and Pad move only ``gt_seg_map``, not the other
``seg_fields`` (mmseg's RandomCrop and RandomFlip move them all). So
``LoadConfidenceMap`` stacks the confidence as a second channel of
``gt_seg_map`` (H x W x 2): every geometric transform then moves label and
confidence together (nearest interpolation for both, so a pixel keeps its
own confidence). ``PackSegInputsWithConfidence`` splits them again at the
end: the label into ``gt_sem_seg`` as usual, the confidence into
``gt_confidence``.

Between the two, transforms that read label *values* see both channels:
- mmseg's ``RandomCrop(cat_max_ratio<1)`` would count confidence values as
  classes; mmdd registers a ``RandomCrop`` that counts channel 0 only
  (``mmdd/datasets/transforms/random_crop.py``).
- ``RandomFlip(swap_seg_labels=...)``, mmseg's ``GenerateEdge`` and
  ``RandomCutOut(seg_fill_in=...)`` would also rewrite or read the confidence:
  not supported with a confidence map.
Photometric transforms (``PhotoMetricDistortion``, ``AdjustGamma``, ``CLAHE``)
touch only ``img``. Padding (mmcv ``Pad``, mmseg ``RandomRotate``) fills the
label with 255, so whatever confidence the border gets is ignored.
"""
from typing import Optional

import mmcv
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs

from mmdd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadConfidenceMap(BaseTransform):
    """Read ``results['confidence_path']`` (grey uint8 PNG, confidence * 255)
    and stack it behind the label: ``gt_seg_map`` becomes H x W x 2.

    Use after ``LoadAnnotations``; end the pipeline with
    ``PackSegInputsWithConfidence``.

    The cache stores ``m``, a pixel's best class score. A foreground label is
    given where ``m`` is high, so ``m`` is its confidence; background where
    ``m`` is low, so its confidence is ``1 - m``. ``background_label`` names
    the background id (after the dataset's ``label_map``); None keeps ``m``
    for every pixel.

    Args:
        background_label: label id whose confidence is ``1 - m``, or None.
        imdecode_backend: image decoding backend for ``mmcv.imfrombytes``.
        backend_args: mmengine file backend arguments.
    """

    def __init__(self, background_label: Optional[int] = 0,
                 imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None) -> None:
        self.background_label = background_label
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        label = self._label(results)
        path = results['confidence_path']
        confidence = mmcv.imfrombytes(
            fileio.get(path, backend_args=self.backend_args), flag='unchanged',
            backend=self.imdecode_backend)
        if confidence.dtype != np.uint8 or confidence.shape != label.shape:
            raise ValueError(
                f'{path}: expected a grey uint8 confidence map of the label '
                f'size {label.shape}, got {confidence.dtype} '
                f'{confidence.shape}')
        if self.background_label is not None:
            background = label == self.background_label
            confidence = np.where(background, 255 - confidence, confidence)
        results['gt_seg_map'] = np.stack(
            [label, confidence.astype(label.dtype)], axis=-1)
        return results

    def _label(self, results: dict) -> np.ndarray:
        if 'confidence_path' not in results:
            raise KeyError(
                'LoadConfidenceMap: this sample has no "confidence_path" '
                f'(img_path={results.get("img_path")}); use a dataset that '
                'stores confidence maps (mmdd SynthDataset), or drop '
                'LoadConfidenceMap and use UncertaintyCrossEntropyLoss with '
                'confidence_weighting=False')
        label = results.get('gt_seg_map')
        if label is None:
            raise ValueError('LoadConfidenceMap needs gt_seg_map: put it '
                             'after LoadAnnotations in the pipeline')
        if label.ndim != 2:
            raise ValueError(
                f'LoadConfidenceMap expects a 2-D gt_seg_map, got shape '
                f'{label.shape}: is it in the pipeline twice?')
        if results.get('reduce_zero_label') and \
                self.background_label is not None:
            raise ValueError(
                'reduce_zero_label=True turns the background into 255 '
                f'(ignored) and label 1 into {self.background_label}: set '
                'LoadConfidenceMap(background_label=None)')
        return label

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(background_label='
                f'{self.background_label}, imdecode_backend='
                f'{self.imdecode_backend!r})')


@TRANSFORMS.register_module()
class PackSegInputsWithConfidence(PackSegInputs):
    """mmseg's ``PackSegInputs`` for an H x W x 2 ``gt_seg_map`` made by
    ``LoadConfidenceMap``: channel 0 becomes ``gt_sem_seg`` and channel 1
    ``data_sample.gt_confidence`` (float 1 x H x W in [0, 1])."""

    def transform(self, results: dict) -> dict:
        stacked = results.get('gt_seg_map')
        if stacked is None or stacked.ndim != 3 or stacked.shape[-1] != 2:
            shape = None if stacked is None else stacked.shape
            raise ValueError(
                f'PackSegInputsWithConfidence expects gt_seg_map of shape '
                f'(H, W, 2), got {shape}: put LoadConfidenceMap after '
                'LoadAnnotations, or use PackSegInputs without confidence')
        packed = super().transform({**results, 'gt_seg_map': stacked[..., 0]})
        confidence = torch.from_numpy(np.ascontiguousarray(stacked[..., 1]))
        packed['data_samples'].gt_confidence = PixelData(
            data=confidence[None].float() / 255)
        return packed
