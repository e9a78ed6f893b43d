"""Streaming SynthDataset in one process: the sampler draws only finished
samples and widens, and the cache ends byte for byte as a generate-first
run's (issue 24)."""
import itertools

import pytest
from mmengine.dataset import InfiniteSampler

from mmdd.datasets import StreamConfig, StreamSampler
from tests.conftest import logged_messages
from tests.test_datasets.test_synth_dataset import cache_bytes


@pytest.fixture
def stream_build(build, tmp_path):
    """Build a streaming dataset (5 samples, blocks [0, 1], [2, 3], [4])
    over ``tmp_path / 'stream'``."""

    def _build(**overrides):
        overrides.setdefault('stream', dict(mode='interleaved'))
        return build(cache_dir=str(tmp_path / 'stream'), **overrides)

    return _build


def finished(dataset, index: int) -> bool:
    return dataset.cache.path('meta', dataset.cache.sample_id(index)).exists()


def test_training_starts_after_the_first_block(stream_build, tmp_path):
    dataset = stream_build()
    assert len(dataset) == 5  # every sample is listed ahead
    made = sorted(p.name for p in (tmp_path / 'stream' / 'meta').iterdir())
    assert made == ['000000.json', '000001.json']
    with pytest.raises(RuntimeError, match="type='StreamSampler'"):
        dataset[3]  # not generated yet: named, with the fix
    assert dataset[1]['data_samples'].gt_sem_seg.data.shape == (1, 64, 64)


@pytest.mark.slow
def test_a_warm_up_waits_for_start_after_samples(stream_build, tmp_path):
    dataset = stream_build(stream=dict(mode='interleaved', start_after=3))
    assert dataset.stream.ready_count() == 4  # two whole blocks
    assert not finished(dataset, 4)


@pytest.mark.slow
def test_the_sampler_never_hands_out_an_unfinished_sample(stream_build):
    dataset = stream_build()
    dataset.stream.rescan_every = 0  # see every new block at once
    sampler = StreamSampler(dataset, seed=3)
    drawn = []
    for step, index in enumerate(itertools.islice(iter(sampler), 60)):
        assert finished(dataset, index), (step, index)
        drawn.append(index)
        if step in (10, 20):  # the cache grows while training draws
            dataset.stream.generate(1)
    assert set(drawn[:10]) == {0, 1}
    assert set(drawn[40:]) == {0, 1, 2, 3, 4}  # widened to every sample
    assert sampler.drawn_from == 5


@pytest.mark.slow
def test_once_complete_the_sampler_is_infinite_samplers(stream_build):
    dataset = stream_build()
    dataset.stream.generate(10)
    dataset.stream.rescan_every = 0
    ours = itertools.islice(iter(StreamSampler(dataset, seed=7)), 20)
    theirs = itertools.islice(iter(InfiniteSampler(dataset, seed=7)), 20)
    assert list(ours) == list(theirs)


@pytest.mark.slow
def test_stream_writes_the_bytes_of_generate_first(build, stream_build,
                                                   tmp_path):
    build()  # generate first, into tmp_path / 'cache'
    dataset = stream_build()
    dataset.stream.generate(1)
    dataset.stream.finish()  # makes what is left, unlocks
    assert dataset.stream.complete
    assert cache_bytes(tmp_path / 'stream') == cache_bytes(tmp_path / 'cache')
    # Once complete it is today's dataset: a rerun streams nothing.
    again = stream_build()
    assert again.stream.generating_done and len(again) == 5


def test_the_sampler_needs_a_streaming_dataset():
    with pytest.raises(TypeError, match="type='InfiniteSampler'"):
        StreamSampler([0, 1, 2])


@pytest.mark.parametrize(
    'value, error, pattern',
    [(dict(mode='parallel'), ValueError, "mode='parallel'"),
     (dict(mode='split'), ValueError, 'generate_ranks=0: set generate_ranks'),
     (dict(mode='interleaved', generate_ranks=2), ValueError,
      "drop generate_ranks or use mode='split'"),
     (dict(interval=0), ValueError, 'interval=0'),
     (dict(blocks_per_step=2), ValueError, "unknown keys \\['blocks_per_st"),
     ('yes', TypeError, "stream='yes'")])
def test_bad_stream_settings_are_named(value, error, pattern):
    with pytest.raises(error, match=pattern):
        StreamConfig.parse(value)


def test_split_mode_in_one_process_names_the_launch(stream_build):
    with pytest.raises(ValueError, match='tools/dist_train.sh CONFIG N'):
        stream_build(stream=dict(mode='split', generate_ranks=1))


def test_true_streams_interleaved_and_reads_never_stream():
    assert StreamConfig.parse(True) == StreamConfig()
    assert StreamConfig.parse(None) is None


@pytest.mark.slow
def test_a_file_damaged_while_streaming_is_found_and_made_again(
        build, stream_build, tmp_path):
    """Issue 36 finding 9: "complete" means every file was checked."""
    build()  # generate first, into tmp_path / 'cache'
    dataset = stream_build()  # makes block [0, 1]
    confidence = dataset.cache.path('confidence', '000001')
    confidence.write_bytes(confidence.read_bytes()[:-20])  # a truncation
    messages = logged_messages(dataset.stream.finish)
    assert any('is damaged' in m and str(confidence) in m for m in messages)
    assert cache_bytes(tmp_path / 'stream') == cache_bytes(tmp_path / 'cache')
