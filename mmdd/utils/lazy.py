"""Moved to :mod:`mmdd.lazy` (the bottom layer, below mmdd.compat)."""
from mmdd.lazy import lazy_exports

__all__ = ['lazy_exports']
