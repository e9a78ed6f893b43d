"""A real mmengine Runner trains DeepLabV3 on a dataset on disk, validates."""
import json
import math
from pathlib import Path

import pytest
from mmengine.config import Config

from mmdd.utils.cli import build_runner, set_max_iters
from tests.utils import DEMO_CONFIG, isolate_runner, point_dataloaders_at


def demo_cfg(data_root: str, work_dir: Path, iters: int,
             checkpoint_interval: int = 1000) -> Config:
    cfg = Config.fromfile(str(DEMO_CONFIG))
    point_dataloaders_at(cfg, data_root)
    isolate_runner(cfg, work_dir)
    set_max_iters(cfg, iters)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = checkpoint_interval
    return cfg


def tiny_synth_cfg(model: str, prompts_file: str, data_root: str,
                   tmp_path: Path, iters: int, **generation) -> Config:
    """The tiny-SD demo config on ``model``: 4 samples generated into
    ``tmp_path/gen`` (2 steps), ``iters`` iterations, toy val data."""
    cfg = Config.fromfile(
        str(DEMO_CONFIG.parent /
            'dd_deeplabv3_r18-d8_1xb4-0.04k_tinysd-64x64.py'))
    synth = cfg.train_dataloader.dataset
    synth.update(model=model, prompts_file=prompts_file,
                 cache_dir=str(tmp_path / 'gen'), num_samples=4, device='cpu')
    synth.generation.update(num_inference_steps=2, **generation)
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = data_root
    isolate_runner(cfg, tmp_path / 'work')
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.default_hooks.logger.interval = 1
    return cfg


def logged(runner, key: str) -> list:
    path = Path(runner.log_dir) / 'vis_data' / 'scalars.json'
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [row[key] for row in rows if key in row]


@pytest.mark.slow
def test_loss_decreases_and_validation_runs(toy_data_root, tmp_path):
    runner = build_runner(demo_cfg(toy_data_root, tmp_path, iters=40))
    runner.train()
    losses = logged(runner, 'loss')
    assert len(losses) == 40
    assert all(math.isfinite(v) for v in losses)
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.7 * first, (first, last)
    miou = logged(runner, 'mIoU')
    assert len(miou) == 1 and 0 <= miou[0] <= 100


@pytest.mark.slow
def test_resume_continues_from_the_last_checkpoint(toy_data_root, tmp_path):
    """Also proves the torch>=2.6 weights_only fix: resume loads the
    message hub's HistoryBuffer and numpy objects from the checkpoint."""
    first = build_runner(
        demo_cfg(toy_data_root, tmp_path, iters=4, checkpoint_interval=2))
    first.train()
    assert (tmp_path / 'iter_4.pth').is_file()

    cfg = demo_cfg(toy_data_root, tmp_path, iters=6, checkpoint_interval=2)
    cfg.resume = True
    second = build_runner(cfg)
    second.train()
    assert second.iter == 6
    history = second.message_hub.get_scalar('train/loss')
    # The resumed hub holds the first run's 4 losses plus 2 new ones.
    assert len(history.data[0]) == 6


@pytest.mark.slow
def test_runner_trains_on_synth_dataset_end_to_end(tiny_pipeline_dir,
                                                   toy_prompts_file,
                                                   toy_data_root, tmp_path):
    """SynthDataset generates inside the Runner, then the segmenter trains
    with the uncertainty-aware loss and is evaluated on real data."""
    cfg = tiny_synth_cfg(
        str(tiny_pipeline_dir), toy_prompts_file, toy_data_root, tmp_path,
        iters=3)
    runner = build_runner(cfg)
    runner.train()
    assert len(list((tmp_path / 'gen' / 'mask').glob('*.png'))) == 4
    losses = logged(runner, 'loss')
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
    assert 'mIoU' in runner.test()
