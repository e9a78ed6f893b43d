"""bench.labels.self_attention_semantics on a shipped shapes model."""
import os
import re
import subprocess
import sys

import pytest

from tests.utils import REPO_ROOT


@pytest.mark.slow
@pytest.mark.parametrize('factor,grid', [(1, '16x16'), (2, '8x8')])
def test_prints_own_class_attention_against_the_class_share(factor, grid):
    out = subprocess.run([
        sys.executable, '-m', 'bench.labels.self_attention_semantics',
        '--models', 'mmdd::shapes-t2i', '--samples', '1',
        '--self-attention-factor',
        str(factor)
    ], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO_ROOT),
                                  OMP_NUM_THREADS='1'))
    assert out.returncode == 0, out.stderr[-2000:]
    row = re.search(
        r'\| mmdd::shapes-t2i \| ' + grid + r' \| ([\d.]+) \| ([\d.]+) \| '
        r'([\d.]+)x \| ([\d.]+)% \|', out.stdout)
    assert row, out.stdout
    mass, share, ratio, spread = map(float, row.groups())
    assert 0 < spread <= 100
    assert 0 < share < 1 and 0 < mass <= 1
    assert ratio == pytest.approx(mass / share, abs=0.05)
