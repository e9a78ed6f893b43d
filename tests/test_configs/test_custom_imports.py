"""An existing mmseg project uses mmdd through custom_imports, and mmdd's
configs inherit mmseg's with ``mmseg::``."""
import subprocess
import sys

import pytest

from tests.utils import REPO_ROOT

PROJECT_CONFIG = '''
_base_ = ['mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py']
custom_imports = dict(imports=['mmdd'], allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=3, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=3, norm_cfg=norm_cfg))
train_dataloader = dict(dataset=dict(
    _delete_=True, type='mmdd.ToyShapesDataset', data_root={data_root!r},
    data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
    pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
              dict(type='PackSegInputs')]))
'''

BUILD = '''
import sys
from mmengine.config import Config
from mmengine.registry import DATASETS, MODELS, init_default_scope
from mmengine.utils import import_modules_from_strings
cfg = Config.fromfile(sys.argv[1])
assert cfg.default_scope == 'mmseg', cfg.default_scope
import_modules_from_strings(**cfg.custom_imports)
init_default_scope(cfg.default_scope)
model = MODELS.build(cfg.model)
dataset = DATASETS.build(cfg.train_dataloader.dataset)
print(type(model).__name__, type(dataset).__name__, len(dataset),
      dataset.metainfo['classes'])
'''


@pytest.mark.slow
def test_mmseg_project_uses_mmdd_through_custom_imports(
        toy_data_root, tmp_path):
    project = tmp_path / 'my_mmseg_project'
    project.mkdir()
    config = project / 'my_config.py'
    config.write_text(PROJECT_CONFIG.format(data_root=toy_data_root))
    # Run from the project folder, in a fresh interpreter: nothing of mmdd
    # is imported until custom_imports says so.
    out = subprocess.run(
        [sys.executable, '-c', BUILD, str(config)], cwd=project,
        capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "EncoderDecoder ToyShapesDataset 12 ('background', 'square', " \
           "'disc')" in out.stdout


def test_mmdd_configs_inherit_mmseg_configs():
    from mmengine.config import Config
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs' / 'baselines' /
            'deeplabv3_r50-d8_4xb2-20k_voc12-512x512.py'))
    # From mmseg's _base_ files ...
    assert cfg.model.decode_head.type == 'ASPPHead'
    assert cfg.train_dataloader.dataset.type == 'PascalVOCDataset'
    # ... overridden by mmdd's own.
    assert cfg.default_scope == 'mmdd'
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult == 0.1
