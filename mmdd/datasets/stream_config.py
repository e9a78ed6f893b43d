"""Moved to :mod:`mmdd.distributed.stream_config`; this path keeps old
imports working."""
from mmdd.distributed.stream_config import MODES, StreamConfig

__all__ = ['MODES', 'StreamConfig']
