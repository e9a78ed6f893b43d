"""Pictures for people: dataset overlays and class statistics (matplotlib).

Plain modules, nothing registered; mmseg's ``SegLocalVisualizer`` still
draws the training-time pictures.
"""
from .class_stats import ClassStats, plot_class_stats
from .overlay import blend_label, draw_sample

__all__ = ['ClassStats', 'blend_label', 'draw_sample', 'plot_class_stats']
