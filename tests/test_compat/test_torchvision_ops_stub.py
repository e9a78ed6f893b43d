"""PyPI's torchvision imports beside the CPU torch (mmpretrain needs it)."""
import subprocess
import sys
import textwrap

import pytest

from tests.utils import REPO_ROOT

TORCHVISION = textwrap.dedent('''
    import torch
    import torchvision
    import torchvision.transforms.functional as F
    print(tuple(F.resize(torch.zeros(3, 8, 8), [4, 4]).shape))
    from torchvision.extension import _has_ops
    if not _has_ops():
        try:
            torchvision.ops.nms(torch.rand(3, 4), torch.rand(3), 0.5)
        except RuntimeError as err:
            print(str(err).split('.')[0])
''')


@pytest.mark.slow
def test_torchvision_imports_and_its_transforms_run():
    out = subprocess.run([sys.executable, '-c', TORCHVISION], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0] == '(3, 4, 4)'
    # Without its C++ extension, torchvision's compiled ops say so.
    assert lines[1:] in ([], ["Couldn't load custom C++ ops"])


DECLARE = textwrap.dedent('''
    import sys, torch
    from mmdd.compat.torchvision_ops_stub import declare_missing_ops
    print(declare_missing_ops(sys.argv[1]))
    print(hasattr(torch.ops.torchvision, 'nms'))
''')


def test_an_extension_that_cannot_load_gets_the_operators(tmp_path):
    (tmp_path / '_C.so').write_bytes(b'not a shared library')
    out = subprocess.run([sys.executable, '-c', DECLARE,
                          str(tmp_path)], cwd=REPO_ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ['True', 'True']


def test_no_extension_changes_nothing(tmp_path):
    from mmdd.compat.torchvision_ops_stub import declare_missing_ops
    assert declare_missing_ops(str(tmp_path)) is False
