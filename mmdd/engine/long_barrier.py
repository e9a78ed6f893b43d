"""Moved to :mod:`mmdd.distributed.long_barrier` (and
:mod:`mmdd.distributed.failures`); this path keeps old imports working."""
from mmdd.distributed.failures import announce_failure, announced_failure
from mmdd.distributed.job_store import default_store as _default_store
from mmdd.distributed.long_barrier import long_barrier

__all__ = [
    'announce_failure', 'announced_failure', 'long_barrier', '_default_store'
]
