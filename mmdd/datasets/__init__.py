from .transforms import *  # noqa: F401,F403
from .coco_object import CocoObjectDataset
from .synth_cache import CacheMismatchError, SynthCache
from .synth_dataset import SynthDataset
from .synth_presets import (SynthCOCODataset, SynthShapesDataset,
                            SynthVOCDataset)
from .shapes_dataset import ShapesDataset, write_shapes_split

__all__ = [
    'CacheMismatchError', 'CocoObjectDataset', 'ShapesDataset', 'SynthCache',
    'SynthDataset', 'SynthCOCODataset', 'SynthShapesDataset',
    'SynthVOCDataset', 'write_shapes_split'
]
