"""tools/dist_train.sh runs 2 CPU processes (gloo) through torch.distributed."""
import os
import subprocess
import sys

import pytest

from tests.conftest import DEMO_CONFIG, REPO_ROOT


@pytest.mark.slow
def test_dist_train_two_processes_on_cpu(toy_data_root, tmp_path, free_port):
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port),
               OMP_NUM_THREADS='1')
    cmd = [
        'bash', str(REPO_ROOT / 'tools' / 'dist_train.sh'), str(DEMO_CONFIG),
        '2', '--work-dir', str(work_dir), '--cfg-options',
        'train_cfg.max_iters=3', 'train_cfg.val_interval=3',
        'default_hooks.logger.interval=1',
        f'train_dataloader.dataset.data_root={toy_data_root}',
        f'val_dataloader.dataset.data_root={toy_data_root}',
        f'test_dataloader.dataset.data_root={toy_data_root}'
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                         timeout=600, check=False)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert 'Distributed training: True' in log
    assert 'Iter(train) [3/3]' in log
    # 3 val images shared by 2 ranks: 2 each (1 process would show [3/3]).
    assert 'Iter(val) [2/2]' in log
    assert (work_dir / 'iter_3.pth').is_file()


def test_dist_train_usage_error():
    out = subprocess.run(
        ['bash', str(REPO_ROOT / 'tools' / 'dist_train.sh')],
        capture_output=True, text=True, check=False)
    assert out.returncode == 2
    assert 'usage:' in out.stderr
