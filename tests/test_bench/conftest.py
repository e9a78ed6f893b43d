"""Fixtures of the bench tests (bench/ is a package: ``bench.<study>``)."""
import pytest
import torch


@pytest.fixture(scope='session')
def tiny_unet():
    """The tiny preset's random-weight UNet (no tokenizer needed)."""
    from diffusers import UNet2DConditionModel

    from bench.common.architectures import family
    presets, _ = family('tiny')
    torch.manual_seed(0)
    return UNet2DConditionModel(in_channels=4, out_channels=4,
                                **presets['tiny']['unet']).eval()
