"""SynthStreamHook refuses a streaming run it cannot serve, by name."""
from types import SimpleNamespace

import pytest
from mmengine.dataset import InfiniteSampler
from torch.utils.data import DataLoader

from mmdd.engine import SynthStreamHook
from tests.utils import synth_dataset_cfg


@pytest.fixture
def dataset(tiny_pipeline_dir, toy_prompts_file, tmp_path, monkeypatch):
    from mmengine.registry import init_default_scope

    from mmdd.registry import DATASETS
    monkeypatch.setenv('MMDD_CACHE_HOME', str(tmp_path / 'mmdd-home'))
    init_default_scope('mmdd')
    return DATASETS.build(
        synth_dataset_cfg(
            str(tiny_pipeline_dir), toy_prompts_file, str(tmp_path / 'cache'),
            stream=dict(mode='interleaved')))


def runner_with(loader):
    return SimpleNamespace(train_dataloader=loader)


def test_the_hook_names_the_missing_sampler(dataset):
    loader = DataLoader(dataset, sampler=InfiniteSampler(dataset, seed=0))
    with pytest.raises(TypeError, match="sampler=dict\\(type='StreamSampl"):
        SynthStreamHook().before_train(runner_with(loader))


def test_the_hook_needs_a_streaming_dataset():
    loader = SimpleNamespace(dataset=[1, 2], sampler=None, batch_sampler=None)
    with pytest.raises(ValueError, match='remove the hook'):
        SynthStreamHook().before_train(runner_with(loader))
    with pytest.raises(ValueError, match='log_interval=0'):
        SynthStreamHook(log_interval=0)


def test_train_names_a_streaming_configs_missing_pieces(tmp_path):
    from mmengine.config import Config

    from mmdd.engine.stream_checks import stream_problems
    from tests.utils import CONFIG_DIR
    cfg = Config.fromfile(
        str(CONFIG_DIR / 'dd' /
            'dd_deeplabv3_r101-d8_2xb4-20k_synvoc-stream-512x512.py'))
    assert stream_problems(cfg) == []
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler')
    cfg.custom_hooks = []
    first, second = stream_problems(cfg)
    assert "'InfiniteSampler'" in first and "type='StreamSampler'" in first
    assert "dict(type='SynthStreamHook')" in second
    cfg.train_dataloader.dataset.stream = None
    assert stream_problems(cfg) == []
