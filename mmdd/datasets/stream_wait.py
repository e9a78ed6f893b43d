"""A training rank of a split-ranks job waiting for generated samples.

It waits as long as the generating ranks work, and stops when one of them
announced a failure or stopped beating (:mod:`mmdd.distributed.heartbeat`):
a rank killed outright is found within ``heartbeat_timeout`` seconds
whatever the launcher. The log line says what is waited for.
"""
import time
from typing import Optional

from mmengine.logging import print_log

from mmdd.distributed.failures import announced_failure
from mmdd.distributed.heartbeat import RankWatch, resume_advice


def generator_watch(stream) -> Optional[RankWatch]:
    """On a training rank of a split job: the watch over the generating
    ranks' heartbeats (else None), its error saying how to resume."""
    if stream.config.mode != 'split' or not stream.trains_here:
        return None
    return RankWatch(
        range(stream.training_ranks,
              stream.world_size), stream.config.heartbeat_timeout,
        advice=resume_advice(stream.dataset.cache.root,
                             '; add --resume to resume training too'))


def wait_for_samples(stream, samples: int, watch: Optional[RankWatch],
                     after_training: bool = False, log_every: float = 60.0,
                     poll: float = 0.5) -> None:
    """Wait until ``samples`` samples of ``stream`` (a
    :class:`~mmdd.datasets.synth_stream.CacheStream`) are in complete
    blocks; ``after_training`` words the log line."""
    samples = min(samples, stream.count)
    start = last_log = time.monotonic()
    all_done_at = None
    while stream.ready_count() < samples:
        failure = announced_failure()
        if failure is not None:
            raise RuntimeError(f'[rank {stream.rank}] waiting for generated '
                               f'samples: {failure}')
        now = time.monotonic()
        if watch is not None:
            watch.check()
            if watch.running():
                all_done_at = None
            else:  # the last listing may lag behind (network disks)
                all_done_at = all_done_at or now
                stream.rescan()
                _check_all_done_since(stream, now - all_done_at, samples)
        timeout = stream.dataset.barrier_timeout
        if timeout is not None and now - start > timeout:
            raise TimeoutError(
                f'[rank {stream.rank}] {stream.ready_count()} of {samples} '
                f'samples were generated within {timeout:.0f} s; raise '
                'barrier_timeout (or set it to None).')
        if now - last_log >= log_every:
            print_log(
                waiting_line(stream, watch, samples, after_training,
                             now - start), logger='current')
            last_log = now
        time.sleep(poll)


def waiting_line(stream, watch: Optional[RankWatch], samples: int,
                 after_training: bool, waited: float) -> str:
    """What the rank waits for, by rank and by sample count."""
    ranks = watch.running() if watch is not None else []
    who = (f'generating rank{"s" * (len(ranks) > 1)} '
           f'{", ".join(map(str, ranks))}'
           if ranks else 'the generating ranks')
    if after_training:
        return (f'training finished; waiting for {who} to finish: '
                f'{stream.ready_count()} of {samples} samples exist '
                f'({waited:.0f} s).')
    return (f'waiting for {who} to make the {samples} samples to start '
            f'training from: {stream.ready_count()} exist ({waited:.0f} s).')


def _check_all_done_since(stream, waited: float, samples: int) -> None:
    """Every generating rank said it is done, yet samples are missing:
    after ``heartbeat_timeout`` more seconds that is no listing lag."""
    if waited > stream.config.heartbeat_timeout:
        raise RuntimeError(
            f'[rank {stream.rank}] every generating rank has finished, but '
            f'only {stream.ready_count()} of {samples} samples exist in '
            f'{stream.dataset.cache.root} (did another process delete '
            'some?). Run the same command again: it makes the missing ones.')
