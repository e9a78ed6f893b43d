"""A streaming SynthDataset's cache while it fills: who generates which
block, when training may start, which samples are finished.

The blocks, their seeds and what is written are those of a generate-first
run (:func:`mmdd.datasets.synth_generation.fill_cache`); only the order in
time and the owner of each block differ, and neither changes a byte. A
sample is finished once its ``meta`` file exists (written last, atomically),
so the set of finished samples only grows while training runs: samples that
fail verification are discarded at the start, before any rank trains.

The job's ranks are counted by ``torch.distributed`` itself (the whole job),
not through mmengine, which split mode points at the training ranks only.
"""
import logging
import os
import time
from typing import Dict, List, Optional, Sequence, Set, Tuple

from mmengine.logging import print_log

from mmdd.distributed.failures import announce_failure
from mmdd.distributed.heartbeat import RankWatch
from mmdd.distributed.job_store import job_rank_and_size
from mmdd.distributed.long_barrier import long_barrier
from mmdd.distributed.split_ranks import split_ranks_ready
from mmdd.distributed.stream_config import StreamConfig
from .cache_lock import CacheLock
from .stream_wait import generator_watch, wait_for_samples
from .synth_generation import BlockWriter, all_blocks, prepare_cache


class CacheStream:
    """The filling cache of one streaming dataset (built at ``full_init``).

    Args:
        dataset: the :class:`~mmdd.datasets.SynthDataset`.
        config: its :class:`~mmdd.distributed.stream_config.StreamConfig`.
        prompts: the prompt records.
        count: the number of samples.
        rescan_every: seconds during which a listing of the finished
            samples is reused (listing 40k names takes milliseconds, but
            early rounds of the sampler are short).
    """

    def __init__(self, dataset, config: StreamConfig, prompts: Sequence,
                 count: int, rescan_every: float = 1.0) -> None:
        self.dataset = dataset
        self.config = config
        self.prompts = prompts
        self.count = count
        self.rescan_every = rescan_every
        self.blocks = all_blocks(count, dataset.batch_size)
        self.rank, self.world_size = job_rank_and_size()
        self.lock = CacheLock(dataset.cache.root,
                              wait=dataset.wait_for_other_run)
        self._todo: List[Tuple[range, Set[int]]] = []
        self._writer: Optional[BlockWriter] = None
        self._complete: Set[int] = set()  # blocks known to be finished
        self._scanned_at = -float('inf')
        self._finished_count = 0
        self._watch: Optional[RankWatch] = None
        self._check_ranks()

    # -- roles --------------------------------------------------------------
    @property
    def training_ranks(self) -> int:
        return self.world_size - self.config.generate_ranks

    @property
    def trains_here(self) -> bool:
        return self.rank < self.training_ranks

    @property
    def generates_here(self) -> bool:
        return self.config.mode == 'interleaved' or not self.trains_here

    def _check_ranks(self) -> None:
        if self.config.mode != 'split':
            return
        if self.training_ranks < 1:
            raise ValueError(
                f'stream mode=split with generate_ranks='
                f'{self.config.generate_ranks} in a job of '
                f'{self.world_size} process(es) leaves no rank to train: '
                'launch more processes (bash tools/dist_train.sh CONFIG N '
                'with N > generate_ranks) or lower generate_ranks.')
        if not split_ranks_ready(self.config.generate_ranks):
            raise RuntimeError(
                'stream mode=split: the training ranks have no process '
                'group of their own. Train with tools/train.py (or '
                'tools/dist_train.sh), which sets it up before the Runner; '
                'in a script of your own call mmdd.distributed.split_ranks.'
                'setup_split_ranks(cfg) first.')

    def my_blocks(self) -> List[range]:
        """This rank's blocks, in the order it generates them."""
        if self.config.mode == 'interleaved':
            return self.blocks[self.rank::self.world_size]
        generator = self.rank - self.training_ranks
        return self.blocks[generator::self.config.generate_ranks]

    # -- start --------------------------------------------------------------
    def start(self) -> None:
        """Lock and check the cache, verify it, then: interleaved, make the
        first blocks (the warm-up); split, generate every block of a
        generating rank, or wait on a training rank until ``start_after``
        samples exist."""
        try:
            self._watch = generator_watch(self)
            watch = None if self._watch is None else self._watch.check
            prepare_cache(self.dataset, self.rank, self.lock, watch)
            self._verify_share()
            long_barrier('waiting for every rank to verify its share',
                         self.dataset.barrier_timeout, watch=watch)
            finished = self.finished_ids()
            self._todo = self._missing_of(self.my_blocks(), finished)
            if self.config.mode == 'interleaved':
                self._warm_up(finished)
            elif self.generates_here:
                self._log_share()
                self.generate(len(self._todo))
            else:
                self.wait_for(self.config.start_after)
        except BaseException as err:
            announce_failure(f'rank {self.rank}: {type(err).__name__}: {err}')
            self.lock.release()
            raise

    def _verify_share(self) -> None:
        """Each rank checks every world_size-th block; damaged samples are
        reported and discarded, so only good samples count as finished."""
        for block in self.blocks[self.rank::self.world_size]:
            self.dataset.cache.unfinished(block, self.dataset.verify)

    def _missing_of(self, blocks: Sequence[range],
                    finished: Set[str]) -> List[Tuple[range, Set[int]]]:
        sample_id = self.dataset.cache.sample_id
        todo = []
        for block in blocks:
            missing = {i for i in block if sample_id(i) not in finished}
            if missing:
                todo.append((block, missing))
        return todo

    def _warm_up(self, finished: Set[str]) -> None:
        """Rounds in which every rank makes its next block, until at least
        ``start_after`` samples exist. Every rank listed the same cache
        between two barriers, so all decide on the same number of
        rounds."""
        long_barrier('waiting for every rank to list the cache',
                     self.dataset.barrier_timeout)
        everyone = [
            self._missing_of(self.blocks[rank::self.world_size], finished)
            for rank in range(self.world_size)
        ]
        ready = self.count - sum(
            len(missing) for todo in everyone for _, missing in todo)
        rounds = 0
        while ready < min(self.config.start_after, self.count):
            ready += sum(
                len(todo[rounds][1]) for todo in everyone
                if rounds < len(todo))
            rounds += 1
        self._log_share()
        self.generate(rounds)
        long_barrier('waiting for every rank to make its first blocks',
                     self.dataset.barrier_timeout)

    def _log_share(self) -> None:
        print_log(
            f'[rank {self.rank}/{self.world_size}] streaming {self.count} '
            f'samples into {self.dataset.cache.root}: '
            f'{sum(len(m) for _, m in self._todo)} of this rank\'s '
            f'{sum(map(len, self.my_blocks()))} to generate.',
            logger='current')

    # -- generation -----------------------------------------------------------
    def generate(self, blocks: int) -> int:
        """Make this rank's next ``blocks`` unfinished blocks; return how
        many samples were written."""
        written = 0
        while blocks > 0 and self._todo:
            block, missing = self._todo.pop(0)
            if self._writer is None:
                self._writer = BlockWriter(self.dataset, self.prompts,
                                           self.rank)
            try:
                written += sum(1 for _ in self._writer.write(block, missing))
            except BaseException as err:
                announce_failure(
                    f'rank {self.rank}: {type(err).__name__}: {err}')
                raise
            blocks -= 1
        return written

    @property
    def generating_done(self) -> bool:
        """Whether this rank has made all of its blocks."""
        return not self._todo

    # -- what exists ----------------------------------------------------------
    def finished_ids(self) -> Set[str]:
        """Ids of the finished samples (their ``meta`` file exists)."""
        try:
            names = os.listdir(self.dataset.cache.root / 'meta')
        except FileNotFoundError:
            return set()
        return {
            name[:-5]
            for name in names
            if name.endswith('.json') and not name.startswith('.')
        }

    def complete_blocks(self) -> Set[int]:
        """Indices (into ``blocks``) of the blocks whose every sample is
        finished; a listing younger than ``rescan_every`` is reused."""
        if len(self._complete) == len(self.blocks):
            return self._complete
        now = time.monotonic()
        if now - self._scanned_at >= self.rescan_every:
            finished = self.finished_ids()
            sample_id = self.dataset.cache.sample_id
            self._complete |= {
                k
                for k, block in enumerate(self.blocks)
                if k not in self._complete and all(
                    sample_id(i) in finished for i in block)
            }
            self._finished_count = sum(
                sample_id(i) in finished for i in range(self.count))
            self._scanned_at = now
        return self._complete

    def rescan(self) -> None:
        """List the cache again at the next look, however recent the last
        listing."""
        self._scanned_at = -float('inf')

    @property
    def complete(self) -> bool:
        return len(self.complete_blocks()) == len(self.blocks)

    def ready_indices(self, blocks: Optional[Set[int]] = None) -> List[int]:
        """The sample indices of ``blocks`` (default: the complete ones),
        in order."""
        blocks = self.complete_blocks() if blocks is None else blocks
        return [i for k in sorted(blocks) for i in self.blocks[k]]

    def ready_count(self) -> int:
        return sum(len(self.blocks[k]) for k in self.complete_blocks())

    def wait_for(self, samples: int, after_training: bool = False) -> None:
        """Wait (a training rank in split mode) until ``samples`` samples
        are in complete blocks (:func:`wait_for_samples`)."""
        wait_for_samples(self, samples, self._watch, after_training)

    # -- end ------------------------------------------------------------------
    def finish(self) -> None:
        """After training: an interleaved rank makes what it has left (the
        cache ends complete, as a generate-first run's); rank 0 waits until
        every sample exists and checks them all, then unlocks the folder."""
        try:
            self._finish()
            if self.rank == 0:
                self._check_every_sample()
        finally:
            self.lock.release()

    def _finish(self) -> None:
        if self.config.mode == 'interleaved':
            left = sum(len(m) for _, m in self._todo)
            if left:
                print_log(
                    f'[rank {self.rank}] training ended before this rank '
                    f'generated its share; making the {left} samples left '
                    '(raise stream blocks or lower interval to finish '
                    'during training).', logger='current',
                    level=logging.WARNING)
                self.generate(len(self._todo))
            long_barrier('waiting for every rank to finish generating',
                         self.dataset.barrier_timeout)
        elif self.rank == 0:
            self.wait_for(self.count, after_training=True)

    def _check_every_sample(self) -> None:
        """Verify every file of every sample (as ``verify`` says), so that
        a complete cache is a checked one: a file damaged while the job ran
        (by a disk, another process) is reported and its sample made again
        here, as at the start of a run."""
        damaged = set(
            self.dataset.cache.unfinished(
                range(self.count), self.dataset.verify))
        if damaged:
            print_log(
                f'[rank {self.rank}] the final check found {len(damaged)} '
                'damaged samples; making them again.', logger='current',
                level=logging.WARNING)
            self._todo = [(block, damaged & set(block))
                          for block in self.blocks if damaged & set(block)]
            self.generate(len(self._todo))

    def progress(self) -> Dict[str, int]:
        """Samples finished (counted by file) and in complete blocks."""
        self.complete_blocks()
        return dict(finished=self._finished_count, ready=self.ready_count(),
                    total=self.count)

    def __getstate__(self) -> dict:
        """Dataloader workers get the listing, not the lock or the model."""
        state = dict(self.__dict__)
        state.update(_writer=None, lock=None, _todo=[])
        return state
