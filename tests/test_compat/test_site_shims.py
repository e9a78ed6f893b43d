"""tools/install.sh's stand-ins: written into site-packages, run at start."""
import subprocess
import sys
import textwrap

import pytest

from mmdd.compat.site_shims import install
from tests.utils import REPO_ROOT

FINDERS = textwrap.dedent('''
    import site, sys
    site.addsitedir(sys.argv[1])
    print(sorted(getattr(f, 'mmdd_stub_for', '') for f in sys.meta_path
                 if hasattr(f, 'mmdd_stub_for')))
''')


def _finders(site_dir) -> list:
    """What a fresh interpreter has on sys.meta_path after reading the
    .pth files of ``site_dir``, as Python's site module does at start."""
    out = subprocess.run([sys.executable, '-c', FINDERS,
                          str(site_dir)], cwd=REPO_ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return eval(out.stdout)


def test_lite_installs_both_and_full_removes_the_mmcv_one(tmp_path):
    install('lite', str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'mmdd_mmcv_ops_stub.pth', 'mmdd_mmcv_ops_stub.py',
        'mmdd_torchvision_ops_stub.pth', 'mmdd_torchvision_ops_stub.py'
    ]
    assert set(_finders(tmp_path)) >= {'mmcv._ext', 'torchvision'}
    install('full', str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'mmdd_torchvision_ops_stub.pth', 'mmdd_torchvision_ops_stub.py'
    ]


def test_an_unknown_flavour_is_refused(tmp_path):
    with pytest.raises(ValueError, match="'fast'.*lite.*full"):
        install('fast', str(tmp_path))
