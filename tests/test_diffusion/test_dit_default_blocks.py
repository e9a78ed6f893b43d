"""Which joint blocks are read by default (``dit_blocks=None``): the
second half. The real layouts are built from their configs on the meta
device (no weights)."""
import pytest
import torch
from diffusers import FluxTransformer2DModel, SD3Transformer2DModel

from mmdd.diffusion.dit_layers import default_blocks, select_blocks
from mmdd.testing import build_random_dit_pipeline
from mmdd.testing.random_dit import DIT_SIZES


def _on_meta(cls, size: str, **changes):
    with torch.device('meta'):
        return cls(**dict(DIT_SIZES[size]['transformer'], **changes))


def _joint(indices) -> list:
    return [f'transformer_blocks.{i}' for i in indices]


def test_tiny_flux_reads_its_last_double_stream_block():
    transformer = build_random_dit_pipeline('flux-tiny').transformer
    assert [b.name for b in default_blocks(transformer)] == _joint([1])


@pytest.mark.parametrize('size', ['flux-schnell', 'flux-dev'])
def test_flux1_reads_double_stream_blocks_9_to_18(size):
    transformer = _on_meta(FluxTransformer2DModel, size)
    assert len(transformer.transformer_blocks) == 19
    blocks = default_blocks(transformer)
    assert [b.name for b in blocks] == _joint(range(9, 19))
    assert all(b.joint for b in blocks)
    assert select_blocks(transformer, None, 'dit_blocks') == blocks


def test_sd3_medium_layout_reads_joint_blocks_12_to_23():
    transformer = _on_meta(SD3Transformer2DModel, 'sd35-medium')
    assert len(transformer.transformer_blocks) == 24
    assert [b.name
            for b in default_blocks(transformer)] == _joint(range(12, 24))
