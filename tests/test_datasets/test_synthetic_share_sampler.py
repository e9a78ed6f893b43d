"""SyntheticShareSampler: a set synthetic share in every batch, on one rank
and on two (simulated in-process), each part drawn in full rounds."""
import itertools
from collections import Counter

import pytest

import mmdd.datasets.synthetic_share_sampler as share_module
from mmdd.datasets import SyntheticShareSampler

REAL, SYNTHETIC = 5, 40  # indices 0-4 real, 5-44 synthetic


class Mixed:
    """The two attributes the sampler reads of a RealSynthDataset."""

    def __init__(self, real=REAL, synthetic=SYNTHETIC, stream=None):
        self.datasets = [_Part(real), _Part(synthetic, stream)]
        self.synthetic_flags = [False, True]

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class _Part(list):

    def __init__(self, size, stream=None):
        super().__init__(range(size))
        self.stream = stream


def batches(sampler, size, count):
    draws = iter(sampler)
    return [list(itertools.islice(draws, size)) for _ in range(count)]


def synthetic_count(batch):
    return sum(index >= REAL for index in batch)


def test_half_of_every_batch_is_synthetic():
    sampler = SyntheticShareSampler(Mixed(), synthetic_share=0.5, seed=0)
    for batch in batches(sampler, 8, 100):
        assert synthetic_count(batch) == 4


def test_a_share_that_does_not_divide_the_batch_is_exact_over_batches():
    sampler = SyntheticShareSampler(Mixed(), synthetic_share=0.3, seed=0)
    counts = [synthetic_count(b) for b in batches(sampler, 8, 10)]
    assert set(counts) <= {2, 3}
    assert sum(counts) == 24  # 0.3 of 80 draws


def test_each_part_is_drawn_in_full_rounds():
    sampler = SyntheticShareSampler(Mixed(), synthetic_share=0.5, seed=1)
    draws = list(itertools.islice(iter(sampler), 2 * REAL * 7))
    real = [i for i in draws if i < REAL]
    assert Counter(real) == {i: 7 for i in range(REAL)}
    for first in range(0, len(real), REAL):  # each round a permutation
        assert sorted(real[first:first + REAL]) == list(range(REAL))


def test_a_second_iter_goes_on_drawing():
    sampler = SyntheticShareSampler(Mixed(), synthetic_share=0.5, seed=2)
    first = list(itertools.islice(iter(sampler), 6))
    again = list(itertools.islice(iter(sampler), 6))
    fresh = SyntheticShareSampler(Mixed(), synthetic_share=0.5, seed=2)
    assert first + again == list(itertools.islice(iter(fresh), 12))


def test_two_ranks_share_rounds_without_overlap(monkeypatch):
    """Each rank's batches hold the share; the ranks' real draws tile each
    round of the real part, and their synthetic draws never overlap
    within a round."""
    drawn = {}
    for rank in (0, 1):
        monkeypatch.setattr(share_module, 'get_dist_info', lambda rank=rank:
                            (rank, 2))
        sampler = SyntheticShareSampler(
            Mixed(real=6), synthetic_share=0.5, seed=4)
        drawn[rank] = batches(sampler, 4, 30)
        for batch in drawn[rank]:
            assert sum(index >= 6 for index in batch) == 2
    real = {
        rank: [i for b in drawn[rank] for i in b if i < 6]
        for rank in drawn
    }
    for first in range(0, 30, 3):  # 3 real draws per rank = a round of 6
        assert sorted(real[0][first:first + 3] +
                      real[1][first:first + 3]) == list(range(6))
    synthetic = [[i for b in drawn[r] for i in b if i >= 6][:20]
                 for r in (0, 1)]
    assert not set(synthetic[0]) & set(synthetic[1])  # one round of 40


@pytest.mark.parametrize('share, expected', [(0.0, False), (1.0, True)])
def test_share_zero_or_one_draws_one_kind(share, expected):
    sampler = SyntheticShareSampler(Mixed(), synthetic_share=share, seed=0)
    draws = list(itertools.islice(iter(sampler), 50))
    assert {i >= REAL for i in draws} == {expected}


def test_bad_settings_name_the_fix():
    with pytest.raises(ValueError, match=r'synthetic_share=1.5: .*\[0, 1\]'):
        SyntheticShareSampler(Mixed(), synthetic_share=1.5, seed=0)
    with pytest.raises(
            ValueError, match='draws synthetic samples but the '
            'dataset has none'):
        SyntheticShareSampler(Mixed(synthetic=0), synthetic_share=0.5, seed=0)
    with pytest.raises(ValueError, match='StreamSampler'):
        SyntheticShareSampler(Mixed(stream=object()), seed=0)
    with pytest.raises(TypeError, match='RealSynthDataset'):
        SyntheticShareSampler(list(range(4)), seed=0)
