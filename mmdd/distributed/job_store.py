"""The job's key-value store and ranks, as ``torch.distributed`` sees them.

The store is the one ``init_process_group`` rendezvoused through; the ranks
talk through it without collectives (no process-group timeout applies).
Ranks are the whole job's, not mmengine's, which a split-ranks job points
at the training ranks only.
"""
from typing import Tuple

import torch.distributed as dist


def in_job() -> bool:
    """Whether this process is a rank of a distributed job."""
    return dist.is_available() and dist.is_initialized()


def default_store():
    """The job's store, or None (outside a job, or if torch's private API
    moved: callers then fall back to collectives or to one process)."""
    if not in_job():
        return None
    try:
        from torch.distributed import distributed_c10d
        return distributed_c10d._get_default_store()
    except Exception:
        return None


def job_rank_and_size() -> Tuple[int, int]:
    """This process's rank and the number of processes of the whole job."""
    if in_job():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1
