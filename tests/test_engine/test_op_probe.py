"""A custom head that reaches a compiled mmcv op as an attribute of
``mmcv.ops`` is refused at start under mmcv-lite, before any sample."""
import sys

import pytest
from mmengine.config import Config

from mmdd.engine import compiled_ops, preflight
from mmdd.engine.compiled_op_check import compiled_op_problems
from tests.utils import CONFIG_DIR, REPO_ROOT, load_script

DD_DEMO = (
    CONFIG_DIR / 'demo' / 'dd_deeplabv3_r18-d8_1xb4-0.04k_tinysd-64x64.py')
HEAD = '''
from mmcv import ops
from mmseg.models.decode_heads import FCNHead
from mmseg.registry import MODELS


@MODELS.register_module(force=True)
class {name}(FCNHead):

    def __init__(self, dilations=None, **kwargs):  # ASPP base config
        super().__init__(**kwargs)
        self.dcn = {make}(self.channels, self.channels, 3, padding=1)

    def forward(self, inputs):
        x = self._transform_inputs(inputs)
        return self.cls_seg(self.dcn(self.convs(x)))
'''
MAKERS = {
    'attribute': 'ops.DeformConv2dPack',
    'getattr': "getattr(ops, 'DeformConv2dPack')",
}
FUNCTION_HEAD = '''
from mmcv import ops
from mmseg.models.decode_heads import FCNHead
from mmseg.registry import MODELS


@MODELS.register_module(force=True)
class ProbeRoiHead(FCNHead):

    def __init__(self, dilations=None, **kwargs):  # ASPP base config
        super().__init__(**kwargs)

    def forward(self, inputs):
        x = self.convs(self._transform_inputs(inputs))
        boxes = x.new_zeros((1, 5))
        return self.cls_seg(x) + ops.roi_align(x, boxes, (1, 1)).sum()
'''


def _head_config(tmp_path, monkeypatch, module: str, source: str,
                 head: str) -> Config:
    (tmp_path / f'{module}.py').write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    config = tmp_path / 'custom_head.py'
    config.write_text(f'_base_ = [{str(DD_DEMO)!r}]\n'
                      f'custom_imports = dict(imports=[{module!r}], '
                      'allow_failed_imports=False)\n'
                      f'model = dict(decode_head=dict(type={head!r}))\n')
    return config


@pytest.mark.parametrize('way', sorted(MAKERS))
def test_an_op_reached_through_mmcv_ops_is_refused_before_generation(
        way, tmp_path, monkeypatch, toy_data_root):
    name = f'Probe{way.capitalize()}Head'
    module = f'probe_head_{way}'
    config = _head_config(tmp_path, monkeypatch, module,
                          HEAD.format(name=name, make=MAKERS[way]), name)
    monkeypatch.setattr(compiled_ops, 'ops_compiled', lambda: False)
    generated = []

    def fill_cache(*args, **kwargs):
        generated.append(args)
        raise RuntimeError('generation started')

    from mmdd.datasets import synth_dataset
    monkeypatch.setattr(synth_dataset, 'fill_cache', fill_cache)
    monkeypatch.setattr(synth_dataset, 'check_model', lambda *a: None)
    prompts = tmp_path / 'prompts.jsonl'
    prompts.write_text('{"id": "0", "caption": "a square and a disc", '
                       '"classes": ["square", "disc"]}\n')
    options = {
        'train_dataloader.dataset.cache_dir': tmp_path / 'gen',
        'train_dataloader.dataset.prompts_file': prompts,
        'val_dataloader.dataset.data_root': toy_data_root,
        'test_dataloader.dataset.data_root': toy_data_root,
    }
    monkeypatch.setattr(sys, 'argv', [
        'train.py',
        str(config), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        *[f'{k}={v}' for k, v in options.items()]
    ])
    train = load_script(REPO_ROOT / 'tools' / 'train.py')
    with pytest.raises(preflight.PreflightError) as err:
        train.main()
    message = str(err.value)
    assert 'mmcv.ops.DeformConv2dPack' in message
    assert f'model.decode_head ({name}, module {module})' in message
    assert 'MMDD_MMCV=full' in message
    assert generated == [] and not (tmp_path / 'gen').exists()


def test_an_op_called_as_a_function_in_forward_is_found(tmp_path, monkeypatch):
    config = _head_config(tmp_path, monkeypatch, 'probe_head_roi',
                          FUNCTION_HEAD, 'ProbeRoiHead')
    problems = compiled_op_problems(Config.fromfile(str(config)), False)
    assert len(problems) == 1
    assert problems[0].startswith(
        "model.decode_head (ProbeRoiHead, module probe_head_roi) uses "
        "compiled op 'roi_align_forward'")


def test_the_probe_is_skipped_with_compiled_ops(tmp_path, monkeypatch):
    config = _head_config(
        tmp_path, monkeypatch, 'probe_head_skip',
        HEAD.format(name='ProbeSkipHead', make=MAKERS['attribute']),
        'ProbeSkipHead')
    assert compiled_op_problems(Config.fromfile(str(config)), True) == []
