"""StreamSampler: mmengine's ``InfiniteSampler`` over only the finished
samples of a streaming SynthDataset, widening as the cache grows.

Indices come in rounds; each round is a permutation of the samples finished
when it starts (whole blocks), and the ranks take every world_size-th index
of the rounds, as ``InfiniteSampler`` does. The first training rank to
start a round publishes its listing in the job's key-value store and the
others use it, so every rank draws from the same set and the ranks' shares
never overlap. Once every sample exists, rounds are permutations of the whole
dataset, exactly ``InfiniteSampler``'s.
"""
import itertools
from typing import Iterator, List, Optional, Sized

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmdd.distributed.job_store import default_store
from mmdd.registry import DATA_SAMPLERS

_INSTANCES = itertools.count()
_ALL = 'all'


def _encode(blocks, total: int) -> str:
    """A set of block indices as hex of a bit field ('all' when full)."""
    if len(blocks) == total:
        return _ALL
    bits = sum(1 << k for k in blocks)
    return format(bits, 'x')


def _decode(text: str, total: int) -> set:
    if text == _ALL:
        return set(range(total))
    bits = int(text, 16)
    return {k for k in range(total) if bits >> k & 1}


@DATA_SAMPLERS.register_module()
class StreamSampler(Sampler):
    """Draws only finished samples of a streaming SynthDataset.

    Args:
        dataset: a :class:`~mmdd.datasets.SynthDataset` built with
            ``stream=...``.
        shuffle: permute each round (True) or go in index order.
        seed: the permutations' seed, the same on every rank (None: one
            drawn on rank 0 and shared).
    """

    def __init__(self, dataset: Sized, shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        stream = getattr(dataset, 'stream', None)
        if stream is None:
            raise TypeError(
                f'StreamSampler samples a SynthDataset built with stream=...'
                f'; got {type(dataset).__name__} without a stream. Set the '
                "dataset's stream (docs/dataset_prepare.md) or use "
                "sampler=dict(type='InfiniteSampler').")
        self.dataset = dataset
        self.stream = stream
        self.shuffle = shuffle
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.size = len(dataset)
        self.drawn_from = 0  # how many samples the current round permutes
        self._key = f'mmdd/stream_sampler/{next(_INSTANCES)}'
        self.indices = self._indices_of_rank()

    def _ready_blocks(self, round_: int, previous: str) -> str:
        """The complete blocks of round ``round_`` (encoded): as the first
        training rank to get there listed them. It stores its listing with
        compare-and-set; a later rank gets that listing back, so no rank
        ever waits for another here (a rank waiting in a sampler while the
        other waits in DDP's all-reduce would be a deadlock)."""
        if previous == _ALL:
            return _ALL  # nothing changes any more: no store traffic
        mine = _encode(self.stream.complete_blocks(), len(self.stream.blocks))
        store = default_store() if self.world_size > 1 else None
        if store is None:
            return mine
        agreed = store.compare_set(f'{self._key}/{round_}', '', mine)
        return agreed.decode() if isinstance(agreed, bytes) else agreed

    def _infinite_indices(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed)
        text = ''
        total = len(self.stream.blocks)
        for round_ in itertools.count():
            text = self._ready_blocks(round_, text)
            ready: List[int] = self.stream.ready_indices(_decode(text, total))
            if not ready:
                raise RuntimeError(
                    'StreamSampler found no finished sample; the dataset '
                    'waits for its first blocks at full_init, so the cache '
                    f'{self.dataset.cache.root} lost them while training.')
            self.drawn_from = len(ready)
            if self.shuffle:
                order = torch.randperm(len(ready), generator=generator)
                yield from (ready[i] for i in order.tolist())
            else:
                yield from ready

    def _indices_of_rank(self) -> Iterator[int]:
        yield from itertools.islice(self._infinite_indices(), self.rank, None,
                                    self.world_size)

    def __iter__(self) -> Iterator[int]:
        yield from self.indices

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Not used: like ``InfiniteSampler``, one endless stream."""
