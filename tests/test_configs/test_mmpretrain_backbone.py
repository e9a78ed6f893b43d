"""A segmenter with an mmpretrain backbone (mmseg's ``mmpretrain.`` scope
prefix): built, and trained for a few iterations on SynthDataset."""
import json
import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdd.registry import MODELS
from mmdd.utils.cli import build_runner, set_max_iters
from tests.utils import (CONFIG_DIR, isolate_runner, mmseg_config,
                         point_dataloaders_at)

SHAPES = (
    CONFIG_DIR / 'shapes' /
    'dd_convnext-atto_upernet_1xb8-0.6k_shapes-synth-64x64.py')
VOC = CONFIG_DIR / 'dd' / 'dd_convnext-tiny_upernet_4xb2-20k_synvoc-512x512.py'


def test_the_backbone_is_mmpretrains_convnext():
    from mmpretrain.models import ConvNeXt
    cfg = Config.fromfile(str(SHAPES))
    init_default_scope('mmdd')
    model = MODELS.build(cfg.model)
    assert type(model.backbone) is ConvNeXt
    assert model.backbone.channels == [40, 80, 160, 320]  # atto
    logits = model(torch.zeros(2, 3, 64, 64), mode='tensor')
    assert logits.shape == (2, 6, 16, 16)  # UPerNet predicts at 1/4


def test_the_voc_variant_loads_the_weights_mmseg_names():
    """The same ImageNet-1k ConvNeXt-T checkpoint as mmseg's own
    convnext-tiny config, with its prefix."""
    ours = Config.fromfile(str(VOC)).model.backbone
    mmseg = mmseg_config('convnext/convnext-tiny_upernet_8xb2-amp-160k_'
                         'ade20k-512x512.py').model.backbone
    assert ours.type == mmseg.type == 'mmpretrain.ConvNeXt'
    assert ours.arch == mmseg.arch == 'tiny'
    assert ours.init_cfg == mmseg.init_cfg


@pytest.mark.slow
def test_a_few_iterations_train_on_generated_data(shapes_data_root, tmp_path):
    from mmdd.shapes.prompts import write_shapes_prompts
    cfg = Config.fromfile(str(SHAPES))
    point_dataloaders_at(cfg, shapes_data_root)
    synth = cfg.train_dataloader.dataset
    synth.update(
        prompts_file=str(write_shapes_prompts(tmp_path / 'prompts.jsonl', 4)),
        cache_dir=str(tmp_path / 'synth'), num_samples=4, batch_size=4)
    synth.generation.num_inference_steps = 2
    cfg.train_dataloader.batch_size = 4
    isolate_runner(cfg, tmp_path / 'work')
    set_max_iters(cfg, 6)
    cfg.default_hooks.logger.interval = 1
    runner = build_runner(cfg)
    runner.train()
    rows = [
        json.loads(line) for line in (Path(runner.log_dir) / 'vis_data' /
                                      'scalars.json').read_text().splitlines()
    ]
    losses = [row['loss'] for row in rows if 'loss' in row]
    assert len(losses) == 6 and all(math.isfinite(v) for v in losses)
    miou = [row['mIoU'] for row in rows if 'mIoU' in row]
    assert len(miou) == 1 and 0 <= miou[0] <= 100
