from mmdd.distributed.split_ranks import setup_split_ranks
from .model_wrappers import MMDistributedDataParallelAnyDevice
from .stream_hook import SynthStreamHook

__all__ = [
    'MMDistributedDataParallelAnyDevice', 'SynthStreamHook',
    'setup_split_ranks'
]
