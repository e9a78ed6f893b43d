"""The named block presets from the literature (configs/_base_/generation):
each names blocks that exist in its model's layout, and a config that
inherits one reads them."""
import pytest
import torch
from diffusers import FluxTransformer2DModel, SD3Transformer2DModel
from mmengine.config import Config

from mmdd.diffusion.dit_layers import select_blocks
from mmdd.testing.random_dit import DIT_SIZES
from tests.conftest import CONFIG_DIR

PRESETS = CONFIG_DIR / '_base_' / 'generation'
FLUX_SCHNELL = (
    CONFIG_DIR / 'dd' /
    'dd_deeplabv3_r101-d8_4xb2-20k_synvoc-flux-schnell-512x512.py')


def _on_meta(cls, size: str, **changes):
    with torch.device('meta'):
        return cls(**dict(DIT_SIZES[size]['transformer'], **changes))


@pytest.mark.parametrize('name, cls, size, changes, expected', [
    ('flux_conceptattention_blocks', FluxTransformer2DModel, 'flux-schnell',
     {}, range(15, 19)),
    ('sd3_seg4diff_blocks', SD3Transformer2DModel, 'sd35-medium',
     dict(dual_attention_layers=(), qk_norm=None), [9]),
])
def test_a_preset_names_blocks_of_its_model(name, cls, size, changes,
                                            expected):
    blocks = Config.fromfile(str(PRESETS / f'{name}.py'))[name]
    transformer = _on_meta(cls, size, **changes)  # SD3-medium: no attn2
    chosen = select_blocks(transformer, blocks, 'dit_blocks', joint_only=True)
    assert [b.name
            for b in chosen] == [f'transformer_blocks.{i}' for i in expected]


def test_a_config_inheriting_a_preset_reads_its_blocks(tmp_path):
    leaf = tmp_path / 'flux_schnell_conceptattention_blocks.py'
    leaf.write_text(f"_base_ = [{str(FLUX_SCHNELL)!r}, "
                    f"{str(PRESETS / 'flux_conceptattention_blocks.py')!r}]\n"
                    'train_dataloader = dict(dataset=dict(generation=dict(\n'
                    '    dit_blocks=_base_.flux_conceptattention_blocks)))\n')
    generation = Config.fromfile(str(leaf)).train_dataloader.dataset.generation
    assert generation.dit_blocks == [15, 16, 17, 18]
    assert generation.label_source == 'concept'  # the rest is kept
    assert generation.num_inference_steps == 4
