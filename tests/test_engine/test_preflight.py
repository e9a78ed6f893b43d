"""Preflight: what training needs after generation is checked before."""
import os
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmdd.engine.preflight import (cached_checkpoint, checkpoint_problem,
                                   checkpoint_uris, checkpoint_url,
                                   generates_data, work_dir_problem)
from tests.utils import CONFIG_DIR, REPO_ROOT

UNFETCHABLE = 'https://download.invalid/resnet18_v1c.pth'
DD_DEMO = (
    CONFIG_DIR / 'demo' / 'dd_deeplabv3_r18-d8_1xb4-0.04k_tinysd-64x64.py')


def test_the_paper_config_names_its_imagenet_weights():
    uris = checkpoint_uris(Config.fromfile(CONFIG_DIR / 'dd_voc.py'))
    assert ('model.pretrained', 'open-mmlab://resnet101_v1c') in uris
    url = checkpoint_url('open-mmlab://resnet101_v1c')
    assert url.startswith('https://') and url.endswith('.pth')


@pytest.mark.parametrize('config', ['dd_voc.py', 'dd_coco.py'])
def test_the_paper_configs_are_checked_before_generating(config):
    # Their datasets are SynthDataset's subclasses (SynthVOCDataset, ...).
    assert generates_data(Config.fromfile(CONFIG_DIR / config))


@pytest.mark.parametrize('scope, dataset, generates', [
    ('mmseg', dict(type='mmdd.SynthVOCDataset'), True),
    ('mmseg',
     dict(type='RepeatDataset', times=2,
          dataset=dict(type='mmdd.SynthDataset')), True),
    ('mmdd', dict(type='SynthShapesDataset'), True),
    ('mmseg', dict(type='PascalVOCDataset'), False),
])
def test_generating_datasets_are_found_in_any_scope(scope, dataset, generates):
    """A user's config keeps mmseg's scope and names mmdd's types with
    the prefix (docs/walkthrough.md)."""
    cfg = Config(
        dict(default_scope=scope, train_dataloader=dict(dataset=dataset)))
    assert generates_data(cfg) is generates


def test_weights_in_the_local_cache_need_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    problem = checkpoint_problem('model.pretrained', UNFETCHABLE, timeout=5)
    cached = cached_checkpoint(UNFETCHABLE)
    assert str(cached) in problem and 'tools/fetch_weights.py' in problem
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b'weights')
    assert checkpoint_problem('model.pretrained', UNFETCHABLE) is None


def test_a_missing_local_checkpoint_is_named(tmp_path):
    problem = checkpoint_problem('load_from', str(tmp_path / 'iter_20.pth'))
    assert 'iter_20.pth' in problem and 'no such file' in problem


def test_an_unwritable_work_dir_is_named(tmp_path):
    (tmp_path / 'a-file').write_text('')
    cfg = Config(dict(work_dir=str(tmp_path / 'a-file' / 'work')))
    assert '--work-dir' in work_dir_problem(cfg)
    assert work_dir_problem(Config(dict(work_dir=str(tmp_path / 'w')))) \
        is None


@pytest.mark.slow
def test_training_fails_before_any_sample_is_generated(tiny_pipeline_dir,
                                                       toy_prompts_file,
                                                       tmp_path):
    cache = tmp_path / 'cache'
    (tmp_path / 'a-file').write_text('')
    options = {
        'train_dataloader.dataset.model': tiny_pipeline_dir,
        'train_dataloader.dataset.prompts_file': toy_prompts_file,
        'train_dataloader.dataset.cache_dir': cache,
        'train_dataloader.dataset.num_samples': 2,
        'train_dataloader.dataset.device': 'cpu',
        'model.pretrained': UNFETCHABLE,
        'val_dataloader.dataset.data_root': tmp_path / 'no-val-data',
    }
    out = subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'train.py'),
        str(DD_DEMO), '--work-dir',
        str(tmp_path / 'a-file' / 'work'), '--cfg-options',
        *[f'{k}={v}' for k, v in options.items()]
    ], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ,
                                  TORCH_HOME=str(tmp_path / 'torch')))
    log = out.stdout + out.stderr
    assert out.returncode != 0
    assert 'PreflightError' in log and 'nothing has been generated' in log
    assert UNFETCHABLE in log and 'tools/fetch_weights.py' in log
    assert 'no-val-data' in log and 'work dir' in log
    assert not cache.exists()
