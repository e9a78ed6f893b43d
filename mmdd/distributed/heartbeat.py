"""Heartbeats: a generating rank's sign of life in the job's store.

A rank that fails announces it (:mod:`mmdd.distributed.failures`), but a
rank killed outright (SIGKILL, the out-of-memory killer, a lost node) says
nothing, and unless the launcher tears the job down its peers would wait
for it forever. So a thread of each generating rank bumps a counter in the
store every ``interval`` seconds, and a rank that waits for it watches that
counter: one that has not moved for ``timeout`` seconds belongs to a dead
rank. The heartbeat tests life, not progress: a generator that takes hours
is waited for as long as it beats. Only the watcher's own clock is read, so
the hosts' clocks need not agree.
"""
import shlex
import sys
import threading
import time
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from .job_store import default_store, job_rank_and_size

# Seconds without a beat after which a rank is dead, unless set otherwise.
DEFAULT_TIMEOUT = 300.0


def beat_key(rank: int, scope: str = 'split') -> str:
    return f'mmdd/heartbeat/{scope}/{rank}'


def done_key(rank: int, scope: str = 'split') -> str:
    return f'mmdd/heartbeat/{scope}/{rank}/done'


def beat_interval(timeout: float) -> float:
    """Seconds between beats for a watcher's ``timeout``: ten beats per
    timeout, at most one every 30 s (the store is not loaded)."""
    return min(30.0, timeout / 10)


def resume_advice(cache_root: str, then: str = '') -> str:
    """What a rank that found a dead one tells the user to do."""
    command = shlex.join(['python', *sys.argv])
    return ('Start the job again with the same command (this rank was '
            f'started as `{command}`): it resumes from the samples finished '
            f'in {cache_root}{then}.')


class DeadRankError(RuntimeError):
    """A rank stopped beating without saying why."""


class Heartbeat:
    """``with Heartbeat(interval):`` beats for this rank while the block
    runs, and marks the rank done when the block ends without an error (a
    finished rank is no longer watched). No-op outside a job.

    Args:
        interval: seconds between two beats.
        scope: what the beats are for; a watch of the same scope reads
            them (a rank done in one scope is alive in the next).
    """

    def __init__(self, interval: float, scope: str = 'split') -> None:
        if interval <= 0:
            raise ValueError(f'heartbeat interval={interval}; it must be > 0')
        self.interval = interval
        self.scope = scope
        self.rank = job_rank_and_size()[0]
        self.store = default_store()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _beat(self) -> None:
        while True:
            self.store.add(beat_key(self.rank, self.scope), 1)
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> 'Heartbeat':
        if self.store is not None:
            self._thread = threading.Thread(target=self._beat, daemon=True,
                                            name='mmdd-heartbeat')
            self._thread.start()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        if exc_type is None:
            self.store.set(done_key(self.rank, self.scope), '1')


class RankWatch:
    """Watches the heartbeats of ``ranks`` from another rank.

    Args:
        ranks: the ranks that beat (:class:`Heartbeat`).
        timeout: seconds without a beat after which a rank is dead; a rank
            that never beat counts from the watch's creation.
        advice: what to do about a dead rank, appended to the error.
        scope: the scope of the :class:`Heartbeat` watched.
        clock: seconds, monotonic (a parameter for tests).
    """

    def __init__(self, ranks: Iterable[int], timeout: float, advice: str = '',
                 scope: str = 'split',
                 clock: Callable[[], float] = time.monotonic) -> None:
        if timeout <= 0:
            raise ValueError(f'heartbeat_timeout={timeout}; it must be > 0 '
                             '(seconds without a sign of life).')
        self.timeout = timeout
        self.advice = advice
        self.scope = scope
        self.clock = clock
        self.store = default_store()
        now = clock()
        # rank -> (the last count seen, when it was first seen)
        self._seen: Dict[int, Tuple[int, float]] = {r: (0, now) for r in ranks}

    def running(self) -> List[int]:
        """The watched ranks that have not marked themselves done."""
        if self.store is None:
            return sorted(self._seen)
        return [
            r for r in sorted(self._seen)
            if not self.store.check([done_key(r, self.scope)])
        ]

    def check(self) -> None:
        """Raise :class:`DeadRankError` naming the first running rank
        that has been silent for more than ``timeout`` seconds."""
        if self.store is None:
            return
        now = self.clock()
        for rank in self.running():
            count = self.store.add(beat_key(rank, self.scope), 0)
            last, since = self._seen[rank]
            if count != last:
                self._seen[rank] = (count, now)
            elif now - since > self.timeout:
                raise DeadRankError(
                    f'rank {rank} has given no sign of life for '
                    f'{now - since:.0f} s (heartbeat_timeout='
                    f'{self.timeout:g}): it died without saying why (killed,'
                    ' out of memory, its machine lost; see its log). '
                    f'{self.advice}'.rstrip())
