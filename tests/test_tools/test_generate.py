"""tools/generate.py and dist_generate.sh: kill-safe, resumable, sharded."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mmdd.datasets.cache_lock import CacheLock
from mmdd.utils.atomic import temporary_path
from tests.utils import REPO_ROOT

CONFIG = REPO_ROOT / 'configs' / 'demo' / \
    'dd_deeplabv3_r18-d8_1xb4-0.04k_tinysd-64x64.py'
NUM_SAMPLES = 8
# Every run uses one thread, as each process of a distributed job does:
# float rounding depends on the thread count, and the files are compared
# byte for byte.
ENV = dict(os.environ, OMP_NUM_THREADS='1')


def generate_cmd(model, prompts, cache: Path, steps: int = 6) -> list:
    options = {
        'model': model,
        'prompts_file': prompts,
        'cache_dir': str(cache),
        'num_samples': NUM_SAMPLES,
        'batch_size': 2,
        'device': 'cpu',
        'generation.num_inference_steps': steps,
    }
    return [str(CONFIG), '--cfg-options'] + [
        f'train_dataloader.dataset.{k}={v}' for k, v in options.items()
    ]


def run_generate(args: list, **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [sys.executable,
         str(REPO_ROOT / 'tools' / 'generate.py')] + args, capture_output=True,
        text=True, timeout=600, check=False, env=ENV, **kwargs)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    return out


def sample_files(cache: Path) -> dict:
    return {
        f'{folder}/{p.name}': p.read_bytes()
        for folder in ('image', 'mask', 'confidence')
        for p in sorted((cache / folder).iterdir())
    }


def kill_after(args: list, cache: Path, finished: int) -> None:
    """Start tools/generate.py, SIGKILL it once ``finished`` samples are
    written (fewer than all of them)."""
    proc = subprocess.Popen(
        [sys.executable,
         str(REPO_ROOT / 'tools' / 'generate.py')] + args,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    deadline = time.time() + 300
    meta = cache / 'meta'
    while time.time() < deadline and proc.poll() is None:
        if meta.is_dir() and len(list(meta.glob('*.json'))) >= finished:
            break
        time.sleep(0.02)
    assert proc.poll() is None, 'generation ended before it could be killed'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert finished <= len(list(meta.glob('*.json'))) < NUM_SAMPLES


@pytest.fixture(scope='module')
def reference(tiny_pipeline_dir, toy_prompts_file, tmp_path_factory):
    """An uninterrupted single-process run."""
    cache = tmp_path_factory.mktemp('reference') / 'cache'
    run_generate(generate_cmd(str(tiny_pipeline_dir), toy_prompts_file, cache))
    files = sample_files(cache)
    assert len(files) == 3 * NUM_SAMPLES
    return files


@pytest.mark.slow
def test_sigkill_then_rerun_gives_the_uninterrupted_files(
        reference, tiny_pipeline_dir, toy_prompts_file, tmp_path):
    cache = tmp_path / 'cache'
    args = generate_cmd(str(tiny_pipeline_dir), toy_prompts_file, cache)
    kill_after(args, cache, 3)

    out = run_generate(args)
    log = out.stdout + out.stderr
    assert f'{NUM_SAMPLES} samples ready' in log
    # Each progress record is one line, not an empty 'INFO - ' line first.
    records = [
        line for line in log.splitlines()
        if re.search(r'\[rank 0\] \d+/\d+ written', line)
    ]
    assert records and all('INFO' in line for line in records), log[-2000:]
    assert not re.search(r'INFO\S* - *$', log, re.MULTILINE)
    assert sample_files(cache) == reference
    assert not list(cache.glob('*/.*.tmp*')), 'temporary files left behind'


def _start(args: list, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable,
         str(REPO_ROOT / 'tools' / 'generate.py')] + args,
        stdout=log.open('w'), stderr=subprocess.STDOUT, env=ENV)


@pytest.mark.slow
def test_two_runs_started_together_do_the_work_once(reference,
                                                    tiny_pipeline_dir,
                                                    toy_prompts_file,
                                                    tmp_path):
    cache = tmp_path / 'cache'
    args = generate_cmd(str(tiny_pipeline_dir), toy_prompts_file, cache)
    logs = [tmp_path / 'first.log', tmp_path / 'second.log']
    runs = [_start(args, log) for log in logs]
    for run, log in zip(runs, logs):
        assert run.wait(timeout=600) == 0, log.read_text()[-4000:]
    counts = sorted(
        int(
            re.search(r"(\d+) of this rank's 8 to generate", log.read_text())
            [1]) for log in logs)
    assert counts == [0, NUM_SAMPLES]  # one run made everything
    assert sample_files(cache) == reference


@pytest.mark.slow
def test_a_run_waits_for_a_live_writer_and_keeps_its_files(
        reference, tiny_pipeline_dir, toy_prompts_file, tmp_path):
    """The slow-writer case: this test process holds the cache's lock and
    has a temporary file open, as a generating run would."""
    cache = tmp_path / 'cache'
    (cache / 'mask').mkdir(parents=True)
    live = temporary_path(cache / 'mask' / '000000.png')
    live.write_bytes(b'half a PNG')
    log = tmp_path / 'run.log'
    with CacheLock(cache):
        run = _start(
            generate_cmd(str(tiny_pipeline_dir), toy_prompts_file, cache), log)
        deadline = time.time() + 300
        while f'being generated by PID {os.getpid()}' not in log.read_text():
            assert run.poll() is None, log.read_text()[-4000:]
            assert time.time() < deadline, 'the run never waited'
            time.sleep(0.1)
        time.sleep(1)
        assert not (cache / 'meta').exists()  # it waits, writing nothing
    assert run.wait(timeout=600) == 0, log.read_text()[-4000:]
    assert live.read_bytes() == b'half a PNG'  # its writer is alive
    live.unlink()
    assert sample_files(cache) == reference


@pytest.mark.slow
def test_two_processes_split_the_samples(reference, tiny_pipeline_dir,
                                         toy_prompts_file, tmp_path,
                                         free_port):
    cache = tmp_path / 'cache'
    env = dict(ENV, PYTHON=sys.executable, PORT=str(free_port))
    out = subprocess.run([
        'bash',
        str(REPO_ROOT / 'tools' / 'dist_generate.sh'),
        *generate_cmd(str(tiny_pipeline_dir), toy_prompts_file, cache)[:1],
        '2', *generate_cmd(str(tiny_pipeline_dir), toy_prompts_file, cache)[1:]
    ], capture_output=True, text=True, env=env, timeout=600, check=False)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert f"[rank 0/2] {NUM_SAMPLES} samples" in log
    assert "4 of this rank's 4 to generate" in log
    # Blocks of 2 samples alternate between the ranks: no gaps, no overlap.
    ranks = {
        int(p.stem): json.loads(p.read_text())['rank']
        for p in (cache / 'meta').glob('*.json')
    }
    assert ranks == {i: (i // 2) % 2 for i in range(NUM_SAMPLES)}
    # The same data as one process makes.
    assert sample_files(cache) == reference
