"""tools/train.py starts without setuptools' pkg_resources warning, which
mmengine printed twice when it resolved mmdd's ``mmseg::`` bases."""
import subprocess
import sys

from tests.utils import DEMO_CONFIG, REPO_ROOT


def test_train_prints_no_pkg_resources_deprecation(tmp_path):
    out = subprocess.run([
        sys.executable, '-W', 'default',
        str(REPO_ROOT / 'tools' / 'train.py'),
        str(DEMO_CONFIG), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path / "no-data"}'
    ], capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    # It stops at the missing data, after loading the config (where the
    # warning came from) and building the runner.
    assert out.returncode != 0 and 'no-data' in out.stderr
    assert 'pkg_resources is deprecated' not in out.stderr
    assert 'pkg_resources is deprecated' not in out.stdout
