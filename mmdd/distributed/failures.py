"""Failure announcements: a rank that fails says so in the job's store, so
ranks that wait for it (barriers, a training rank waiting for samples)
stop instead of waiting forever. A rank killed outright cannot announce
anything; :mod:`mmdd.distributed.heartbeat` covers that case."""
from typing import Optional

from .job_store import default_store

FAILED_KEY = 'mmdd/long_barrier/failed'


def announce_failure(message: str) -> None:
    """Tell the waiting ranks that this one failed, and why."""
    store = default_store()
    if store is not None:
        store.set(FAILED_KEY, message)


def announced_failure() -> Optional[str]:
    """What a failed rank announced, or None (also outside a job)."""
    store = default_store()
    if store is None or not store.check([FAILED_KEY]):
        return None
    return store.get(FAILED_KEY).decode()
