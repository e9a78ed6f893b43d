"""bench.labels.segmenter_predictions: where each true class's pixels go."""
import os
import subprocess
import sys

import numpy as np
import pytest

from bench.labels.segmenter_predictions import (describe, parse_runs,
                                                scenes_first_with,
                                                where_classes_go)
from tests.utils import REPO_ROOT


def test_shares_are_per_true_class():
    truth = np.array([[0, 0, 1, 1]], np.uint8)
    prediction = np.array([[0, 1, 0, 0]], np.uint8)
    shares = where_classes_go([prediction], [truth], 2)
    assert shares.tolist() == [[0.5, 0.5], [1.0, 0.0]]
    row = describe('d1', shares, ['background', 'star'])
    assert row == '| d1 | 50 % (star 50 %) | 0 % (background 100 %) |'


def test_scenes_with_the_class_come_first():
    truths = [np.zeros((2, 2), np.uint8) for _ in range(4)]
    truths[2][0, 0] = 5
    assert scenes_first_with(truths, 5, 3) == [2, 0, 1]


@pytest.mark.parametrize('pair', ['c', '=somewhere', 'c=/no/such/folder'])
def test_a_bad_run_names_itself_and_the_form(pair):
    with pytest.raises(SystemExit, match=f'{pair!r} is not KEY=WORK_DIR'):
        parse_runs([pair])


@pytest.mark.slow
def test_a_finished_run_is_drawn_and_described(tmp_path):
    """A random-weight DeepLabV3 checkpoint saved as mmengine saves one,
    on three real test scenes."""
    import torch
    from mmengine.config import Config
    from mmseg.apis import init_model

    from mmdd.datasets import write_shapes_split
    config = REPO_ROOT / ('configs/shapes/deeplabv3_r18-d8_1xb8-0.6k_'
                          'shapes-real-64x64.py')
    run = tmp_path / 'run'
    run.mkdir()
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None
    cfg.dump(run / 'config.py')
    model = init_model(cfg, device='cpu')
    torch.save(
        dict(state_dict=model.state_dict(), meta={}), run / 'iter_2.pth')
    (run / 'last_checkpoint').write_text(str(run / 'iter_2.pth'))
    data = tmp_path / 'data'
    write_shapes_split(str(data), 'test', 3)
    out = tmp_path / 'pictures' / 'p.png'
    done = subprocess.run([
        sys.executable, '-m', 'bench.labels.segmenter_predictions', '--runs',
        f'c={run}', f'again={run}', '--data-root',
        str(data), '--class-name', 'star', '--out',
        str(out)
    ], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO_ROOT),
                                   OMP_NUM_THREADS='1'))
    assert done.returncode == 0, done.stderr[-3000:]
    assert '3 test scenes' in done.stdout
    rows = [
        line for line in done.stdout.splitlines() if line.startswith('| c')
    ]
    assert len(rows) == 1 and rows[0].count('%') == 12  # 6 classes x 2
    from PIL import Image
    width, height = Image.open(out).size
    assert (width, height) == ((64 + 3 * (2 + 64)) * 4, 18 + 3 * 64 * 4)
