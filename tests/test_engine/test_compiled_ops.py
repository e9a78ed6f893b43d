"""A model that needs compiled mmcv ops is refused at start under
mmcv-lite, naming the switch; mmdd's own configs need none."""
import pytest
from mmengine.config import Config

from mmdd.engine import compiled_ops, preflight
from mmdd.engine.compiled_op_check import compiled_op_problems
from mmdd.engine.compiled_ops import compiled_ops_of
from tests.utils import CONFIG_DIR, mmseg_config

LEAVES = sorted(p for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)
PSANET = 'psanet/psanet_r50-d8_4xb4-20k_voc12aug-512x512.py'


def _model(**parts) -> Config:
    backbone = dict(type='ResNetV1c', depth=18)
    return Config(
        dict(default_scope='mmseg', model=dict(type='EncoderDecoder',
                                               backbone=backbone, **parts)))


@pytest.mark.parametrize('path', LEAVES,
                         ids=[str(p.relative_to(CONFIG_DIR)) for p in LEAVES])
def test_mmdd_configs_need_no_compiled_op(path):
    assert compiled_op_problems(Config.fromfile(str(path)),
                                compiled=False) == []


def test_psanet_from_mmseg_is_named_with_its_op_and_the_fix():
    cfg = mmseg_config(PSANET)
    problems = compiled_op_problems(cfg, compiled=False)
    assert len(problems) == 1
    assert problems[0].startswith('model.decode_head (PSAHead) uses '
                                  'compiled mmcv ops (mmcv.ops.PSAMask)')
    assert 'MMDD_MMCV=full bash tools/install.sh' in problems[0]


def test_nested_ops_and_losses_are_found():
    """A deformable convolution inside the backbone config, and mmseg's
    focal loss (compiled on GPUs) through the module that imports it."""
    cfg = _model(
        decode_head=dict(type='FCNHead', loss_decode=dict(type='FocalLoss')))
    cfg.model.backbone.dcn = dict(type='DCN', deform_groups=1)
    wheres = [p.split(' uses')[0] for p in compiled_op_problems(cfg, False)]
    assert wheres == [
        'model.backbone.dcn (DCN)', 'model.decode_head.loss_decode (FocalLoss)'
    ]


def test_pure_pytorch_ops_pass():
    from mmseg.models.decode_heads import CCHead, PointHead

    # point_sample and CrissCrossAttention are pure PyTorch in mmcv 2.x.
    assert compiled_ops_of(PointHead) == []
    assert compiled_ops_of(CCHead) == []


def test_nothing_is_missing_with_compiled_ops():
    cfg = mmseg_config(PSANET)
    assert compiled_op_problems(cfg, compiled=True) == []


def test_training_start_refuses_a_config_that_needs_them(monkeypatch):
    """tools/train.py and tools/test.py call these before the runner."""
    monkeypatch.setattr(compiled_ops, 'ops_compiled', lambda: False)
    cfg = mmseg_config(PSANET)
    for check in (preflight.check_compiled_ops,
                  preflight.check_before_generation):
        with pytest.raises(preflight.PreflightError, match='PSAMask'):
            check(cfg)
