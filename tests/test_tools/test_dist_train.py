"""tools/dist_train.sh runs 2 CPU processes (gloo) via torch.distributed."""
import os
import subprocess
import sys

import pytest

from tests.utils import DEMO_CONFIG, REPO_ROOT


@pytest.mark.slow
def test_dist_train_two_processes_on_cpu(toy_data_root, tmp_path, free_port):
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port),
               OMP_NUM_THREADS='1')
    cmd = [
        'bash',
        str(REPO_ROOT / 'tools' / 'dist_train.sh'),
        str(DEMO_CONFIG), '2', '--work-dir',
        str(work_dir), '--cfg-options', 'train_cfg.max_iters=3',
        'train_cfg.val_interval=3', 'default_hooks.logger.interval=1',
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


@pytest.mark.slow
def test_dist_train_users_own_config_on_cpu(toy_data_root, tmp_path,
                                            free_port):
    """A config with mmengine's GPU defaults (nccl, no model wrapper), as
    configs built on mmseg's default_runtime have, trains on 2 CPU ranks."""
    config = tmp_path / 'my_config.py'
    config.write_text(f"_base_ = [{str(DEMO_CONFIG)!r}]\n"
                      "model_wrapper_cfg = None\n"
                      "env_cfg = dict(dist_cfg=dict(backend='nccl'))\n")
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port),
               OMP_NUM_THREADS='1')
    cmd = [
        'bash',
        str(REPO_ROOT / 'tools' / 'dist_train.sh'),
        str(config), '2', '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2'
    ] + [
        f'{split}_dataloader.dataset.data_root={toy_data_root}'
        for split in ('train', 'val', 'test')
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                         timeout=600, check=False)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert "backend='gloo'" in log and 'AnyDevice' in log
    assert 'Distributed training: True' in log
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()


def test_dist_train_usage_error():
    out = subprocess.run(
        ['bash', str(REPO_ROOT / 'tools' / 'dist_train.sh')],
        capture_output=True, text=True, check=False)
    assert out.returncode == 2
    assert 'usage:' in out.stderr
