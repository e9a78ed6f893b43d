"""Self-training: a trained model relabels the cache; round 2 reads it."""
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from mmdd.registry import DATASETS
from mmdd.utils.cli import build_runner
from tests.utils import REPO_ROOT, isolate_runner

CONFIG = REPO_ROOT / 'configs' / 'demo' / \
    'dd_deeplabv3_r18-d8_1xb4-0.04k_tinysd-64x64.py'


@pytest.mark.slow
def test_pseudo_labels_feed_a_second_round(tiny_pipeline_dir, toy_prompts_file,
                                           toy_data_root, tmp_path):
    paths = dict(
        model=str(tiny_pipeline_dir), prompts_file=toy_prompts_file,
        cache_dir=str(tmp_path / 'gen'), num_samples=4, device='cpu')
    cfg = Config.fromfile(str(CONFIG))
    cfg.train_dataloader.dataset.update(paths)
    cfg.train_dataloader.dataset.generation.num_inference_steps = 2
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = toy_data_root
    isolate_runner(cfg, tmp_path / 'round1')
    cfg.train_cfg.max_iters = 2
    cfg.train_cfg.val_interval = 100
    cfg.default_hooks.checkpoint.interval = 2
    build_runner(cfg).train()

    options = [f'train_dataloader.dataset.{k}={v}' for k, v in paths.items()]
    options.append('train_dataloader.dataset.generation.num_inference_steps=2')
    out = subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'pseudo_label.py'),
        str(CONFIG),
        str(tmp_path / 'round1' / 'iter_2.pth'), '--min-prob', '0.9',
        '--cfg-options', *options
    ], capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert '4 labels written' in out.stdout
    labels = sorted((tmp_path / 'gen' / 'mask_selftrain').glob('*.png'))
    assert len(labels) == 4
    values = set(np.unique(np.array(Image.open(labels[0]))))
    assert values <= {0, 1, 2, 255}

    init_default_scope('mmdd')
    round2 = cfg.train_dataloader.dataset.copy()
    round2.update(mask_folder='mask_selftrain')
    dataset = DATASETS.build(round2)
    assert dataset.get_data_info(0)['seg_map_path'].endswith(
        'mask_selftrain/000000.png')
    assert len(dataset) == 4
    trained_on = set(
        dataset[0]['data_samples'].gt_sem_seg.data.unique().tolist())
    assert trained_on <= values | {0, 1, 2, 255}


def _run_tool(*args):
    return subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'pseudo_label.py'), *map(str, args)
    ], capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
def test_ungenerated_cache_is_a_clear_error(toy_prompts_file, tmp_path):
    # Checked before the model loads: the checkpoint is never read.
    out = _run_tool(
        CONFIG, tmp_path / 'never_read.pth', '--cfg-options',
        f'train_dataloader.dataset.prompts_file={toy_prompts_file}',
        f'train_dataloader.dataset.cache_dir={tmp_path / "gen"}',
        'train_dataloader.dataset.num_samples=2')
    assert out.returncode != 0
    assert '0 of 2 samples' in out.stderr, out.stderr[-2000:]
    assert 'tools/generate.py' in out.stderr
    assert 'Traceback' not in out.stderr  # a message, not a crash


@pytest.mark.slow
def test_finds_the_synth_dataset_inside_wrappers(toy_prompts_file, tmp_path):
    cfg = Config.fromfile(str(CONFIG))
    synth = cfg.train_dataloader.dataset
    synth.update(prompts_file=toy_prompts_file, num_samples=2,
                 cache_dir=str(tmp_path / 'gen'))
    cfg.train_dataloader.dataset = dict(
        type='RepeatDataset', times=2, dataset=dict(type='ConcatDataset',
                                                    datasets=[synth]))
    cfg.dump(tmp_path / 'wrapped.py')
    out = _run_tool(tmp_path / 'wrapped.py', tmp_path / 'never_read.pth')
    # The tool reached the SynthDataset two wrappers down.
    assert '0 of 2 samples' in out.stderr, out.stderr[-2000:]
