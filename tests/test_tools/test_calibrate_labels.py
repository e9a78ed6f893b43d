"""tools/calibrate_labels.py on a tiny random SD and a VOC-style folder."""
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mmdd.diffusion import GenerationConfig
from tests.test_tools.test_generate import CONFIG, ENV
from tests.utils import REPO_ROOT


def write_folder(root, count: int = 4, size: int = 64):
    """Squares (class 1) and discs (class 2) on noise, VOC's layout:
    images/NAME.jpg beside masks/NAME.png."""
    rng = np.random.default_rng(0)
    (root / 'images').mkdir(parents=True)
    (root / 'masks').mkdir()
    yy, xx = np.mgrid[:size, :size]
    for i in range(count):
        mask = np.zeros((size, size), np.uint8)
        mask[8:8 + 16 + i, 8:30] = 1
        mask[(yy - 44)**2 + (xx - 44)**2 < (10 + i)**2] = 2
        mask[0, :] = 255  # a VOC-style ignored border
        image = (rng.random((size, size, 3)) * 80).astype(np.uint8)
        image[mask == 1] = (220, 20, 60)
        image[mask == 2] = (0, 0, 230)
        Image.fromarray(image).save(root / 'images' / f'{i:03d}.jpg')
        Image.fromarray(mask).save(root / 'masks' / f'{i:03d}.png')
    return root / 'images', root / 'masks'


def run_tool(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable,
         str(REPO_ROOT / 'tools' / 'calibrate_labels.py')] + args,
        capture_output=True, text=True, timeout=600, env=ENV, **kwargs)


def tool_args(model, images, masks, out) -> list:
    return [
        str(CONFIG), '--images',
        str(images), '--masks',
        str(masks), '--out',
        str(out), '--num-images', '4', '--steps', '2', '--device', 'cpu',
        '--cfg-options', f'train_dataloader.dataset.model={model}',
        'train_dataloader.dataset.generation.num_inference_steps=4'
    ]


@pytest.mark.slow
def test_tool_writes_settings_table_and_picture(tiny_pipeline_dir, tmp_path):
    images, masks = write_folder(tmp_path / 'data')
    out = tmp_path / 'out' / 'calibrated_generation.py'
    done = run_tool(tool_args(tiny_pipeline_dir, images, masks, out))
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert '| label mIoU | config | calibrated |' in done.stdout
    assert 'candidates scored' in out.with_suffix('.md').read_text()
    picture = np.asarray(Image.open(out.with_suffix('.png')))
    assert picture.shape[0] > 2 * 64 and picture.shape[2] == 3
    loaded = Config.fromfile(str(out))
    # The file round-trips into the config's GenerationConfig.
    config = GenerationConfig(
        **dict(num_inference_steps=4, guidance_scale=7.5, **loaded.generation))
    assert config.ignore_index == 255


@pytest.mark.slow
def test_tool_names_a_mask_beyond_the_classes(tiny_pipeline_dir, tmp_path):
    images, masks = write_folder(tmp_path / 'data', count=2)
    bad = np.asarray(Image.open(masks / '001.png')).copy()
    bad[5, 5] = 7
    Image.fromarray(bad).save(masks / '001.png')
    done = run_tool(
        tool_args(tiny_pipeline_dir, images, masks, tmp_path / 'o.py'))
    assert done.returncode != 0
    assert 'holds class index(es) [7]' in done.stderr
    assert '3 classes' in done.stderr
