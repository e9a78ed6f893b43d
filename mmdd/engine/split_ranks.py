"""Moved to :mod:`mmdd.distributed.split_ranks`; this path keeps old imports
working."""
from mmdd.distributed.split_ranks import (setup_split_ranks, split_ranks_ready,
                                          split_stream_cfgs, training_group)

__all__ = [
    'setup_split_ranks', 'split_ranks_ready', 'split_stream_cfgs',
    'training_group'
]
