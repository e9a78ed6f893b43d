"""``tools/test.py --tta`` on every shipped config: a SegTTAModel over the
config's model, the test set read through its tta_pipeline."""
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmdd.registry import DATASETS, MODELS
from mmdd.utils.cli import enable_tta
from tests.test_configs.test_build_configs import (CONFIGS, DATA_FIXTURES,
                                                   _without_pretrained_weights,
                                                   config_params)
from tests.utils import DEMO_CONFIG, REPO_ROOT


@pytest.mark.parametrize('path', config_params(CONFIGS))
def test_every_config_tests_with_tta(path, request):
    cfg = enable_tta(Config.fromfile(str(path)))
    init_default_scope('mmdd')
    cfg.model.module = _without_pretrained_weights(cfg.model.module)
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'SegTTAModel'

    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.data_root = request.getfixturevalue(
        DATA_FIXTURES[dataset_cfg.type.replace('mmdd.', '')])
    sample = DATASETS.build(dataset_cfg)[0]
    augmented = len(sample['inputs'])
    assert augmented == 2 * len(cfg.img_ratios)  # each scale, also flipped
    if sample['inputs'][0].shape[-1] > 128:
        return  # 512-pixel models: built, not run (CPU time)
    model.eval()
    with torch.no_grad():
        prediction, = model.test_step(pseudo_collate([sample]))
    height, width = sample['data_samples'][0].ori_shape
    assert prediction.pred_sem_seg.data.shape == (1, height, width)


def test_config_without_tta_pipeline_is_named():
    cfg = Config.fromfile(str(DEMO_CONFIG))
    cfg.pop('tta_pipeline')
    with pytest.raises(ValueError, match='no tta_pipeline'):
        enable_tta(cfg)


@pytest.mark.slow
def test_test_tool_runs_with_tta(toy_data_root, tmp_path):
    """The whole tool, on a checkpoint of the demo segmenter."""
    cfg = Config.fromfile(str(DEMO_CONFIG))
    init_default_scope('mmdd')
    checkpoint = tmp_path / 'random.pth'
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict()},
               checkpoint)
    out = subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'test.py'),
        str(DEMO_CONFIG),
        str(checkpoint), '--tta', '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'test_dataloader.dataset.data_root={toy_data_root}'
    ], capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert 'mIoU' in out.stdout + out.stderr
