"""bench.streaming.stream_modes: each mode's config and the table of ratios."""
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from bench.streaming import stream_modes


@pytest.mark.parametrize('mode, sampler, batch, hooks', [
    ('generate-first', 'InfiniteSampler', 4, ['FirstIterTimeHook']),
    ('interleaved', 'StreamSampler', 4,
     ['FirstIterTimeHook', 'SynthStreamHook']),
    ('split', 'StreamSampler', 8, ['FirstIterTimeHook', 'SynthStreamHook']),
])
def test_modes_train_the_same_images_at_the_same_global_batch(
        tmp_path, mode, sampler, batch, hooks):
    args = SimpleNamespace(images=32, iters=40, start_after=16, interval=5,
                           blocks=1)
    path = tmp_path / 'config.py'
    stream_modes.write_config(
        str(path), args, mode, 3, 'data', 'p.jsonl', 'cache')
    cfg = Config.fromfile(str(path))
    loader = cfg.train_dataloader
    assert loader.sampler.type == sampler and loader.batch_size == batch
    assert loader.dataset.num_samples == 32
    assert [h['type'] for h in cfg.custom_hooks] == hooks
    assert cfg.train_cfg.max_iters == 40 and cfg.randomness.seed == 3
    stream = loader.dataset.stream
    if mode == 'generate-first':
        assert stream is None
    else:
        assert stream.start_after == 16
        assert (stream.mode, stream.get('generate_ranks',
                                        0)) == (mode,
                                                1 if mode == 'split' else 0)


def test_table_reports_ratios_to_generate_first():
    run = dict(first_block=5, first=10, generated=50, total=100, miou=50)
    runs = {
        'generate-first': [run, dict(run, first=12, miou=52)],
        'split': [dict(run, total=80, miou=51)] * 2,
    }
    lines = stream_modes.table(runs).splitlines()
    assert lines[2] == ('| generate-first | 5.0 (5.0-5.0) | 11.0 (10.0-12.0) '
                        '| 50.0 (50.0-50.0) | 100.0 (100.0-100.0) | 1.00 | '
                        '51.00 (50.00-52.00) |')
    assert '| 0.80 |' in lines[3]


def test_generation_times_read_the_meta_files(tmp_path):
    import os
    meta = tmp_path / 'meta'
    meta.mkdir()
    for index, at in enumerate([3, 5, 2, 9]):  # blocks [0, 1], [2, 3]
        path = meta / f'{index:06d}.json'
        path.write_text('{}')
        os.utime(path, (at, at))
    assert stream_modes.generation_times(str(tmp_path), 2,
                                         1) == dict(first_block=4, generated=8)
