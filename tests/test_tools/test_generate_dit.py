"""tools/generate.py with a diffusion transformer: a SIGKILL in the middle,
then a rerun, gives the files of an uninterrupted run."""
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT
from tests.test_tools.test_generate import (ENV, NUM_SAMPLES, generate_cmd,
                                            run_generate, sample_files)

DIT_OPTIONS = [
    f'train_dataloader.dataset.generation.{key}'
    for key in ('height=64', 'width=64', 'max_sequence_length=32',
                'label_source=concept')
]


@pytest.mark.slow
def test_flux_cache_resumes_byte_identical(tiny_flux_dir, toy_prompts_file,
                                           tmp_path):
    reference = tmp_path / 'reference'
    run_generate(
        generate_cmd(str(tiny_flux_dir), toy_prompts_file, reference, 3) +
        DIT_OPTIONS)
    cache = tmp_path / 'cache'
    args = generate_cmd(str(tiny_flux_dir), toy_prompts_file, cache,
                        3) + DIT_OPTIONS
    proc = subprocess.Popen(
        [sys.executable,
         str(REPO_ROOT / 'tools' / 'generate.py')] + args,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    deadline = time.time() + 300
    meta = cache / 'meta'
    while time.time() < deadline and proc.poll() is None:
        if meta.is_dir() and len(list(meta.glob('*.json'))) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, 'generation ended before it could be killed'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 2 <= len(list(meta.glob('*.json'))) < NUM_SAMPLES
    run_generate(args)
    assert sample_files(cache) == sample_files(reference)
