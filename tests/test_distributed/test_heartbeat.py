"""RankWatch over a store in memory and a clock the test moves: a silent
rank is named after ``timeout`` seconds, a beating or finished one never,
and beats of one scope say nothing about another."""
import pytest

from mmdd.distributed import heartbeat
from mmdd.distributed.heartbeat import (DeadRankError, Heartbeat, RankWatch,
                                        beat_key, done_key)


class MemoryStore:
    """The calls of torch's Store that heartbeats use."""

    def __init__(self):
        self.values = {}

    def add(self, key, amount):
        self.values[key] = self.values.get(key, 0) + amount
        return self.values[key]

    def set(self, key, value):
        self.values[key] = value

    def check(self, keys):
        return all(k in self.values for k in keys)


class Clock:

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def store(monkeypatch):
    store = MemoryStore()
    monkeypatch.setattr(heartbeat, 'default_store', lambda: store)
    return store


def test_a_silent_rank_is_named_after_the_timeout(store):
    clock = Clock()
    watch = RankWatch([1, 2], timeout=10, advice='Run it again.', clock=clock)
    for _ in range(5):  # rank 1 beats, rank 2 never does
        clock.now += 3
        store.add(beat_key(1), 1)
        if clock.now <= 10:
            watch.check()
    with pytest.raises(
            DeadRankError, match=r'rank 2 has given no sign of '
            r'life for 15 s \(heartbeat_timeout=10\).*Run it'):
        watch.check()


def test_a_finished_rank_is_not_watched(store):
    clock = Clock()
    watch = RankWatch([1], timeout=10, clock=clock)
    store.set(done_key(1), '1')
    clock.now = 100
    watch.check()
    assert watch.running() == []


def test_beats_of_another_scope_do_not_count(store):
    clock = Clock()
    watch = RankWatch([1], timeout=10, scope='fill/0', clock=clock)
    store.set(done_key(1), '1')  # done streaming: not done filling
    for _ in range(4):
        clock.now += 4
        store.add(beat_key(1), 1)
        if clock.now <= 10:
            watch.check()
    assert watch.running() == [1]
    with pytest.raises(DeadRankError, match='rank 1'):
        watch.check()


def test_a_heartbeat_beats_and_marks_its_scope_done(store, monkeypatch):
    monkeypatch.setattr(heartbeat, 'job_rank_and_size', lambda: (3, 4))
    with Heartbeat(0.01, scope='fill/7'):
        pass
    assert store.values[beat_key(3, 'fill/7')] >= 1
    assert store.check([done_key(3, 'fill/7')])
    assert not store.check([done_key(3)])


def test_bad_timeouts_are_named():
    with pytest.raises(ValueError, match='heartbeat_timeout=0'):
        RankWatch([1], timeout=0)
    with pytest.raises(ValueError, match='interval=-1'):
        Heartbeat(-1)
