"""Moved to :mod:`mmdd.diffusion.labelling.confusion` (label scores are
not the shapes world's alone: calibration scores real images with them)."""
from mmdd.diffusion.labelling.confusion import (ConfusionCounter, LabelScore,
                                                class_iou)

__all__ = ['ConfusionCounter', 'LabelScore', 'class_iou']
