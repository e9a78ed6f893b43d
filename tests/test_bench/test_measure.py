"""Peak-memory probes: reset between measurements, never inherited."""
import json
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

from bench.common.measure import proc_status_kib, process_peak
from tests.utils import REPO_ROOT


def test_process_peak_sees_the_run_and_not_what_came_before():
    before = np.ones(300 * 2**20, dtype=np.uint8)  # 300 MiB, touched
    del before
    grow = []
    peak = process_peak(lambda: grow.append(np.ones(64 * 2**20, np.uint8)))
    assert peak['reset'], '/proc/self/clear_refs refused the reset'
    assert 60 <= peak['peak'] - peak['baseline'] < 250


@pytest.mark.slow
def test_child_peak_is_not_the_parents():
    """ru_maxrss of a child starts at its parent's peak on Linux; the
    VmHWM the probes read does not."""
    held = np.ones(800 * 2**20, dtype=np.uint8)  # parent peak >= 800 MiB
    parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    code = ('import json, resource; from bench.common import measure; '
            'print(json.dumps(dict('
            'hwm=measure.proc_status_kib("VmHWM") / 1024, maxrss=resource.'
            'getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))')
    out = subprocess.run(
        [sys.executable, '-c', code], check=True, capture_output=True,
        text=True, env=dict(
            os.environ, PYTHONPATH=os.pathsep.join(
                filter(None, [str(REPO_ROOT),
                              os.environ.get('PYTHONPATH')])))).stdout
    child = json.loads(out)
    assert parent_peak >= 800 and held[-1] == 1
    assert child['hwm'] < parent_peak - 400
    assert proc_status_kib('VmHWM') / 1024 >= 800
