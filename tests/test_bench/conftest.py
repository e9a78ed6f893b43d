"""bench/ holds scripts, not a package: its modules import by file name."""
import sys
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parents[2] / 'bench'
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))


@pytest.fixture(scope='session')
def tiny_unet():
    """The tiny preset's random-weight UNet (no tokenizer needed)."""
    from architectures import family
    from diffusers import UNet2DConditionModel
    presets, _ = family('tiny')
    torch.manual_seed(0)
    return UNet2DConditionModel(in_channels=4, out_channels=4,
                                **presets['tiny']['unet']).eval()
