"""Streaming training through tools/train.py and tools/dist_train.sh (2 CPU
processes, gloo): interleaved and split ranks, a rank killed mid-way and
the job rerun; the cache always ends as generate-first's, byte for byte
(issue 24)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils import REPO_ROOT

CONFIG = REPO_ROOT / 'configs' / 'demo' / \
    'dd_deeplabv3_r18-d8_1xb4-0.04k_tinysd-64x64.py'
NUM_SAMPLES = 12
ITERS = 6
# One thread everywhere, as in each process of a distributed job: the
# files are compared byte for byte (docs/dataset_prepare.md).
ENV = dict(os.environ, OMP_NUM_THREADS='1')

# Imported by the config (custom_imports): SIGKILLs the process of rank
# MMDD_KILL_RANK when it is about to write its MMDD_KILL_AFTER-th sample.
KILL_PLUGIN = '''
import os
import signal

from mmdd.datasets import synth_cache

if os.environ.get('MMDD_KILL_AFTER') and \\
        os.environ.get('RANK', '0') == os.environ.get('MMDD_KILL_RANK', '0'):
    _write = synth_cache.SynthCache.write_sample
    _written = []

    def write_sample(self, sample_id, *args, **kwargs):
        if len(_written) == int(os.environ['MMDD_KILL_AFTER']):
            os.kill(os.getpid(), signal.SIGKILL)
        _write(self, sample_id, *args, **kwargs)
        _written.append(sample_id)

    synth_cache.SynthCache.write_sample = write_sample

if os.environ.get('MMDD_FILL_HEARTBEAT_TIMEOUT'):  # generate-first's watch
    from mmdd.datasets import synth_generation
    synth_generation.DEFAULT_TIMEOUT = float(
        os.environ['MMDD_FILL_HEARTBEAT_TIMEOUT'])
'''


def write_config(folder: Path, model, prompts, cache: Path, data_root,
                 stream) -> Path:
    """The demo config made to stream ``NUM_SAMPLES`` samples into
    ``cache`` while it trains ``ITERS`` iterations."""
    (folder / 'stream_kill_plugin.py').write_text(KILL_PLUGIN)
    config = folder / 'stream_config.py'
    config.write_text(f'''
_base_ = [{str(CONFIG)!r}]
custom_imports = dict(imports=['stream_kill_plugin'],
                      allow_failed_imports=False)
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='StreamSampler', shuffle=True),
    dataset=dict(model={str(model)!r}, prompts_file={str(prompts)!r},
                 cache_dir={str(cache)!r}, num_samples={NUM_SAMPLES},
                 batch_size=2, device='cpu',
                 generation=dict(num_inference_steps=4), stream={stream!r}))
custom_hooks = [dict(type='SynthStreamHook', log_interval=1)]
val_dataloader = dict(dataset=dict(data_root={str(data_root)!r}))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={ITERS}, val_interval={ITERS})
param_scheduler = [dict(_base_.param_scheduler[0], end={ITERS})]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval={ITERS}))
''')
    return config


def sample_files(cache: Path) -> dict:
    return {
        f'{folder}/{p.name}': p.read_bytes()
        for folder in ('image', 'mask', 'confidence')
        for p in sorted((cache / folder).iterdir())
    }


def run(cmd: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    env = dict(
        env, PYTHONPATH=os.pathsep.join(
            [str(cwd), str(REPO_ROOT),
             env.get('PYTHONPATH', '')]), PYTHON=sys.executable)
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=900, check=False)


def train_cmd(config: Path, work_dir: Path, processes: int) -> list:
    if processes == 1:
        return [
            sys.executable,
            str(REPO_ROOT / 'tools' / 'train.py'),
            str(config), '--work-dir',
            str(work_dir)
        ]
    return [
        'bash',
        str(REPO_ROOT / 'tools' / 'dist_train.sh'),
        str(config),
        str(processes), '--work-dir',
        str(work_dir)
    ]


@pytest.fixture(scope='module')
def reference(tiny_pipeline_dir, toy_prompts_file, toy_data_root,
              tmp_path_factory):
    """The files of a generate-first run of the same config."""
    folder = tmp_path_factory.mktemp('generate-first')
    cache = folder / 'cache'
    config = write_config(folder, tiny_pipeline_dir, toy_prompts_file, cache,
                          toy_data_root, dict(mode='interleaved'))
    out = run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'generate.py'),
        str(config)
    ], folder, ENV)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    files = sample_files(cache)
    assert len(files) == 3 * NUM_SAMPLES
    return files


@pytest.mark.slow
@pytest.mark.parametrize(
    'stream, processes, kill_rank',
    [
        (dict(mode='interleaved', interval=2), 1, 0),
        (dict(mode='split', generate_ranks=1), 2, 1),  # the generating rank
        (dict(mode='interleaved', interval=2), 2, 0),  # a training rank
    ],
    ids=['interleaved-1-process', 'split-2-ranks', 'interleaved-2-ranks'])
def test_stream_resumes_after_a_kill_with_generate_firsts_bytes(
        reference, tiny_pipeline_dir, toy_prompts_file, toy_data_root,
        tmp_path, free_port, stream, processes, kill_rank):
    cache = tmp_path / 'cache'
    config = write_config(tmp_path, tiny_pipeline_dir, toy_prompts_file, cache,
                          toy_data_root, stream)
    env = dict(ENV, PORT=str(free_port), MMDD_KILL_RANK=str(kill_rank),
               MMDD_KILL_AFTER='5')
    killed = run(
        train_cmd(config, tmp_path / 'work', processes), tmp_path, env)
    assert killed.returncode != 0, (killed.stdout + killed.stderr)[-4000:]
    made = len(list((cache / 'meta').glob('*.json')))
    assert 0 < made < NUM_SAMPLES

    env.pop('MMDD_KILL_AFTER')
    out = run(train_cmd(config, tmp_path / 'work', processes), tmp_path, env)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert f'Iter(train) [{ITERS}/{ITERS}]' in log
    assert 'training has seen' in log and 'samples exist' in log
    assert f'the cache is complete, {NUM_SAMPLES} samples' in log
    assert sample_files(cache) == reference
    assert (tmp_path / 'work' / f'iter_{ITERS}.pth').is_file()


def by_hand(config: Path, work_dir: Path, port: int, rank: int,
            env: dict) -> subprocess.Popen:
    """Rank ``rank`` of a 2-rank job started without torchrun, as ranks
    started by hand or by srun without --kill-on-bad-exit are: nothing
    tears the job down when one of them dies."""
    env = dict(
        env, MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), RANK=str(rank),
        LOCAL_RANK=str(rank), WORLD_SIZE='2', PYTHONPATH=os.pathsep.join(
            [str(config.parent),
             str(REPO_ROOT),
             env.get('PYTHONPATH', '')]))
    return subprocess.Popen([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'train.py'),
        str(config), '--launcher', 'pytorch', '--work-dir',
        str(work_dir)
    ], cwd=config.parent, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
@pytest.mark.parametrize('stream', [
    dict(mode='split', generate_ranks=1, heartbeat_timeout=5),
    None,
], ids=['split', 'generate-first'])
def test_a_generating_rank_killed_outside_torchrun_is_named_in_bounded_time(
        tiny_pipeline_dir, toy_prompts_file, toy_data_root, tmp_path,
        free_port, stream):
    """Issue 36 finding 8: a rank waited forever for a SIGKILLed generating
    rank when no launcher tore the job down; its heartbeat's silence now
    stops the wait, naming the rank and the command that resumes."""
    cache = tmp_path / 'cache'
    config = write_config(tmp_path, tiny_pipeline_dir, toy_prompts_file, cache,
                          toy_data_root, stream)
    env = dict(ENV, MMDD_KILL_RANK='1', MMDD_KILL_AFTER='3',
               MMDD_FILL_HEARTBEAT_TIMEOUT='5')
    waiting, killed = (
        by_hand(config, tmp_path / 'work', free_port, rank, env)
        for rank in range(2))
    try:
        killed_log, _ = killed.communicate(timeout=600)
        assert killed.returncode == -9, killed_log[-4000:]
        log, _ = waiting.communicate(timeout=300)
    finally:
        for proc in (waiting, killed):
            proc.kill()
    assert waiting.returncode != 0, log[-4000:]
    assert 'rank 1 has given no sign of life' in log, log[-4000:]
    assert 'heartbeat_timeout=5' in log
    assert 'Start the job again with the same command' in log
    assert 0 < len(list((cache / 'meta').glob('*.json'))) < NUM_SAMPLES
