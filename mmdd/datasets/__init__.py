from mmdd.distributed.stream_config import StreamConfig
from .coco_object import CocoObjectDataset
from .real_synth_dataset import RealSynthDataset
from .shapes_dataset import ShapesDataset, write_shapes_split
from .stream_sampler import StreamSampler
from .synth_cache import CacheMismatchError, SynthCache
from .synth_dataset import SynthDataset
from .synth_presets import (SynthCOCODataset, SynthShapesDataset,
                            SynthVOCDataset)
from .synthetic_share_sampler import SyntheticShareSampler
from .transforms import *  # noqa: F401,F403

__all__ = [
    'CacheMismatchError', 'CocoObjectDataset', 'RealSynthDataset',
    'ShapesDataset', 'SynthCache', 'StreamConfig', 'StreamSampler',
    'SynthDataset', 'SynthCOCODataset', 'SynthShapesDataset',
    'SynthVOCDataset', 'SyntheticShareSampler', 'write_shapes_split'
]
