"""``mim train mmdd CONFIG`` finds mmdd's tools and configs in mmdd/.mim."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils import REPO_ROOT

MIM = Path(sys.executable).parent / 'mim'


def test_editable_install_links_mim_folder():
    mim_dir = REPO_ROOT / 'mmdd' / '.mim'
    for name in ('tools', 'configs', 'model-index.yml'):
        assert (mim_dir / name).is_symlink(), f'{name}: no link in mmdd/.mim'
    assert (mim_dir / 'tools' / 'train.py').is_file()


@pytest.fixture(scope='module')
def wheel_install(tmp_path_factory) -> Path:
    """mmdd installed from its wheel (what ``mim install mmdd`` gives)."""
    tmp = tmp_path_factory.mktemp('wheel')
    # Build from a copy: a wheel build turns mmdd/.mim's links into copies.
    source = tmp / 'src'
    shutil.copytree(
        REPO_ROOT, source,
        ignore=shutil.ignore_patterns('.git', '.venv', 'build', 'work_dirs',
                                      '.mim', '*.egg-info'))
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
        '--no-build-isolation', '-w',
        str(tmp / 'dist'),
        str(source)
    ], check=True, capture_output=True)
    wheel = next((tmp / 'dist').glob('mmdd-*.whl'))
    target = tmp / 'site'
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target',
        str(target),
        str(wheel)
    ], check=True, capture_output=True)
    return target


@pytest.mark.slow
def test_wheel_carries_tools_and_configs(wheel_install):
    mim_dir = wheel_install / 'mmdd' / '.mim'
    assert (mim_dir / 'tools' / 'train.py').is_file()
    assert not (mim_dir / 'tools').is_symlink()
    assert (mim_dir / 'configs' / 'demo' /
            'deeplabv3_r18-d8_1xb4-0.08k_toyshapes-64x64.py').is_file()


@pytest.mark.slow
def test_mim_train_runs_from_the_installed_package(wheel_install,
                                                   toy_data_root, tmp_path):
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHONPATH=str(wheel_install))
    cmd = [
        str(MIM), 'train', 'mmdd',
        'deeplabv3_r18-d8_1xb4-0.08k_toyshapes-64x64.py', '--work-dir',
        str(work_dir), '--cfg-options', 'train_cfg.max_iters=2',
        'default_hooks.logger.interval=1'
    ] + [
        f'{split}_dataloader.dataset.data_root={toy_data_root}'
        for split in ('train', 'val', 'test')
    ]
    # Run outside the checkout: the config is found by name in mmdd/.mim.
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600, check=False)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert str(wheel_install / 'mmdd' / '.mim' / 'tools' / 'train.py') in log
    assert (work_dir / 'iter_2.pth').is_file()


def test_wheel_carries_the_shipped_model(wheel_install):
    model = wheel_install / 'mmdd' / 'shapes' / 'pretrained' / 'shapes-t2i'
    for name in ('model_index.json',
                 'unet/diffusion_pytorch_model.safetensors',
                 'vae/diffusion_pytorch_model.safetensors',
                 'text_encoder/model.safetensors', 'tokenizer/tokenizer.json'):
        assert (model / name).is_file(), name


@pytest.mark.slow
def test_mim_train_and_test_a_shapes_config_from_the_wheel(
        wheel_install, tmp_path):
    """The shapes config names its model 'mmdd::shapes-t2i': it resolves
    inside the installed package, so the config runs unedited from any
    folder (only its length is shortened here)."""
    config = next(
        (REPO_ROOT / 'configs' / 'shapes').glob('dd_*shapes-synth*.py')).name
    env = dict(os.environ, PYTHONPATH=str(wheel_install), MMDD_PROGRESS='0')
    data = tmp_path / 'data' / 'shapes'  # the config's data_root
    subprocess.run([
        str(MIM), 'run', 'mmdd', 'make_dataset', 'data/shapes', '--train', '0',
        '--val', '2', '--test', '2', '--prompts', '4'
    ], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                   check=True)
    short = [
        'train_dataloader.dataset.num_samples=4',
        'train_dataloader.dataset.batch_size=2',
        'train_dataloader.dataset.generation.num_inference_steps=2',
        'train_dataloader.batch_size=2', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'param_scheduler.0.end=2'
    ]
    train = subprocess.run([
        str(MIM), 'train', 'mmdd', config, '--work-dir', 'work',
        '--cfg-options'
    ] + short, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=600, check=False)
    log = train.stdout + train.stderr
    assert train.returncode == 0, log[-4000:]
    assert len(list((data / 'synth' / 'meta').glob('*.json'))) == 4
    manifest = json.loads((data / 'synth' / 'manifest.json').read_text())
    # Known by content (the same as a checkout's copy), named as written.
    assert manifest['settings']['model'].startswith('sha256:')
    assert manifest['sources']['model'] == 'mmdd::shapes-t2i'
    checkpoint = tmp_path / 'work' / 'iter_2.pth'
    assert checkpoint.is_file()

    test = subprocess.run([
        str(MIM), 'test', 'mmdd', config, '--checkpoint',
        str(checkpoint), '--work-dir', 'work-test'
    ], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    log = test.stdout + test.stderr
    assert test.returncode == 0, log[-4000:]
    assert 'mIoU' in log
