"""SyntheticShareSampler: an endless sampler of a real + synthetic dataset
that gives every batch a set share of synthetic samples.

Concatenating 25 real scenes with 400 synthetic ones and drawing uniformly
shows the real ones in 6 % of the draws; a fixed share (half, say) keeps
the few real labels in every batch whatever the sizes.

Each part (all real indices, all synthetic ones) is an endless stream of
permutations, the same on every rank (one seed), and each rank takes every
``world_size``-th index of each stream, as mmengine's ``InfiniteSampler``
does: the ranks never draw the same sample in a round. Position ``j`` of a
rank's stream is synthetic when ``floor((j + 1) * share)`` passes an
integer, so any ``n`` consecutive draws hold ``floor(n * share)`` or
``ceil(n * share)`` synthetic samples: exactly ``share * batch_size`` per
batch when that is a whole number (0.5 with batch 8: 4), on every rank.
"""
import itertools
from fractions import Fraction
from typing import Iterator, List, Optional, Sized

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmdd.registry import DATA_SAMPLERS
from .real_synth_dataset import synthetic_parts


def part_indices(dataset) -> tuple:
    """(real indices, synthetic indices) of a concatenated dataset."""
    flags = synthetic_parts(dataset)
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    real: List[int] = []
    synthetic: List[int] = []
    start = 0
    for flag, part in zip(flags, dataset.datasets):
        if getattr(part, 'stream', None) is not None:
            raise ValueError(
                f'{type(part).__name__} streams its generation: only '
                "StreamSampler draws from it. Set stream=None on the "
                'synthetic part (generate first) to mix it with real data.')
        (synthetic if flag else real).extend(range(start, start + len(part)))
        start += len(part)
    return real, synthetic


def synthetic_positions(share: Fraction) -> Iterator[bool]:
    """Whether each position of a stream draws a synthetic sample."""
    for j in itertools.count():
        yield (share * (j + 1)).__floor__() > (share * j).__floor__()


@DATA_SAMPLERS.register_module()
class SyntheticShareSampler(Sampler):
    """Endless draws with ``synthetic_share`` of every batch synthetic.

    Args:
        dataset: a :class:`~mmdd.datasets.RealSynthDataset` (or an mmengine
            ``ConcatDataset`` whose SynthDataset parts are the synthetic
            ones).
        synthetic_share: the synthetic fraction of each batch, in [0, 1]
            (0: real only; 1: synthetic only). Exact per batch when
            ``synthetic_share * batch_size`` is whole, otherwise within one
            sample of it, and exact over any run of batches.
        shuffle: permute each pass over a part (True) or go in index order.
        seed: the permutations' seed, the same on every rank (None: one
            drawn on rank 0 and shared, as ``InfiniteSampler``).
    """

    def __init__(self, dataset: Sized, synthetic_share: float = 0.5,
                 shuffle: bool = True, seed: Optional[int] = None) -> None:
        if not 0.0 <= synthetic_share <= 1.0:
            raise ValueError(
                f'synthetic_share={synthetic_share}: give the synthetic '
                'fraction of each batch, in [0, 1] (e.g. 0.5: half)')
        self.real, self.synthetic = part_indices(dataset)
        needs = [(synthetic_share > 0, self.synthetic, 'synthetic'),
                 (synthetic_share < 1, self.real, 'real')]
        for needed, indices, kind in needs:
            if needed and not indices:
                raise ValueError(
                    f'synthetic_share={synthetic_share} draws {kind} '
                    f'samples but the dataset has none (parts '
                    f'{[type(d).__name__ for d in dataset.datasets]})')
        self.dataset = dataset
        self.synthetic_share = synthetic_share
        self.shuffle = shuffle
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.size = len(dataset)
        # Made once, as InfiniteSampler's: a second iter() goes on drawing.
        self.indices = self._indices_of_rank()

    def _stream(self, indices: List[int], offset: int) -> Iterator[int]:
        """This rank's share of endless permutations of ``indices``."""
        generator = torch.Generator()
        generator.manual_seed(self.seed + offset)

        def rounds() -> Iterator[int]:
            while True:
                if self.shuffle:
                    order = torch.randperm(len(indices), generator=generator)
                    yield from (indices[i] for i in order.tolist())
                else:
                    yield from indices

        return itertools.islice(rounds(), self.rank, None, self.world_size)

    def _indices_of_rank(self) -> Iterator[int]:
        share = Fraction(repr(float(self.synthetic_share)))
        real = self._stream(self.real, 0) if self.real else iter(())
        synthetic = self._stream(self.synthetic,
                                 1) if self.synthetic else iter(())
        for is_synthetic in synthetic_positions(share):
            yield next(synthetic) if is_synthetic else next(real)

    def __iter__(self) -> Iterator[int]:
        # The stream itself, not a generator around it: closing one
        # iterator (a DataLoader's, at its end) leaves the stream going.
        return self.indices

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Not used: like ``InfiniteSampler``, one endless stream."""
