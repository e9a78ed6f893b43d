"""Pictures for people: dataset overlays and class statistics (matplotlib).

Plain modules, nothing registered; mmseg's ``SegLocalVisualizer`` still
draws the training-time pictures.
"""
from .class_stats import ClassStats, plot_class_stats
from .confusion import plot_confusion
from .overlay import (blend_label, draw_sample, label_strip, label_strip_pitch,
                      titled)

__all__ = [
    'ClassStats', 'blend_label', 'draw_sample', 'label_strip',
    'label_strip_pitch', 'plot_class_stats', 'plot_confusion', 'titled'
]
