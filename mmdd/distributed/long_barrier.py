"""A barrier that waits hours without tripping the process-group timeout.

``torch.distributed.barrier`` is a collective: a rank that waits longer than
the process group's timeout (NCCL's default is minutes) aborts the job. When
ranks generate data for a long and uneven time before training, the early
ones must wait for the late ones however long it takes. This barrier uses
the job's key-value store (the one ``init_process_group`` rendezvoused
through): each rank adds 1 to a counter and polls it, which involves no
collective, so no timeout but the caller's applies. Rank 0 logs who it is
still waiting for every ``log_every`` seconds.
"""
import itertools
import time
from typing import Callable, Optional

import torch.distributed as dist
from mmengine.logging import print_log

from .failures import FAILED_KEY
from .job_store import default_store

_BARRIER_COUNT = itertools.count()


def long_barrier(desc: str = 'barrier', timeout: Optional[float] = None,
                 log_every: float = 60.0, poll: float = 0.5,
                 watch: Optional[Callable[[], None]] = None) -> None:
    """Wait until every rank has called this (the n-th call of each rank
    meets the n-th of the others). No-op outside a distributed job.

    Args:
        desc: what the ranks wait for, for the log lines.
        timeout: raise ``TimeoutError`` after this many seconds (None: wait
            as long as it takes).
        log_every: seconds between progress lines (rank 0).
        poll: seconds between looks at the counter.
        watch: called at each look; raises to stop waiting (e.g. a
            :class:`~mmdd.distributed.heartbeat.RankWatch`'s ``check``).
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    world_size = dist.get_world_size()
    if world_size == 1:
        return
    store = default_store()
    if store is None:
        dist.barrier()
        return
    key = f'mmdd/long_barrier/{next(_BARRIER_COUNT)}'
    store.add(key, 1)
    rank = dist.get_rank()
    start = last_log = time.monotonic()
    while True:
        arrived = store.add(key, 0)
        if arrived >= world_size:
            return
        if store.check([FAILED_KEY]):
            raise RuntimeError(f'[rank {rank}] {desc}: another rank failed '
                               f'({store.get(FAILED_KEY).decode()})')
        if watch is not None:
            watch()
        now = time.monotonic()
        if timeout is not None and now - start > timeout:
            raise TimeoutError(
                f'[rank {rank}] {desc}: {arrived} of {world_size} ranks '
                f'arrived within {timeout:.0f} s; raise barrier_timeout (or '
                'set it to None to wait as long as it takes).')
        if rank == 0 and now - last_log >= log_every:
            print_log(
                f'{desc}: {arrived} of {world_size} ranks done, '
                f'waiting for the others ({now - start:.0f} s).',
                logger='current')
            last_log = now
        time.sleep(poll)
