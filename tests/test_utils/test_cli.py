import argparse
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmdd.utils.cli import exit_code, fit_distributed_to_cpu, positive_int

no_cuda = pytest.mark.skipif(torch.cuda.is_available(),
                             reason='the CPU fallback applies without CUDA')


def test_exit_code_prints_bad_input_and_returns_one(capsys):

    def run(args):
        raise ValueError(f'--count must be odd, got {args.count}')

    assert exit_code(run, argparse.Namespace(count=2)) == 1
    assert capsys.readouterr().err == 'error: --count must be odd, got 2\n'
    assert exit_code(lambda args: None, argparse.Namespace()) == 0


def test_other_errors_are_not_swallowed():

    def run(args):
        raise KeyError('a bug')

    with pytest.raises(KeyError):
        exit_code(run, argparse.Namespace())


def test_positive_int_rejects_zero_at_parse_time(capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument('--nproc', type=positive_int)
    assert parser.parse_args(['--nproc', '3']).nproc == 3
    with pytest.raises(SystemExit):
        parser.parse_args(['--nproc', '0'])
    assert 'argument --nproc: must be >= 1, got 0' in capsys.readouterr().err


def test_module_imports_without_mmengine():
    code = ('import sys, mmdd.utils.cli\n'
            "assert 'mmengine' not in sys.modules, 'mmengine loaded'")
    subprocess.run([sys.executable, '-c', code], check=True)


# A distributed job on a machine without CUDA needs no extra options.
@no_cuda
def test_launched_job_gets_gloo_and_the_any_device_wrapper():
    cfg = Config(
        dict(launcher='pytorch', env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert fit_distributed_to_cpu(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg.type == \
        'mmdd.MMDistributedDataParallelAnyDevice'


@no_cuda
def test_a_config_without_env_cfg_gets_gloo_too():
    cfg = Config(dict(launcher='slurm'))
    assert fit_distributed_to_cpu(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


@no_cuda
def test_explicit_choices_and_single_process_jobs_are_kept():
    wrapper = dict(type='MMFullyShardedDataParallel')
    cfg = Config(
        dict(launcher='pytorch', model_wrapper_cfg=wrapper,
             env_cfg=dict(dist_cfg=dict(backend='mpi'))))
    assert not fit_distributed_to_cpu(cfg)
    assert cfg.model_wrapper_cfg.type == 'MMFullyShardedDataParallel'
    assert cfg.env_cfg.dist_cfg.backend == 'mpi'
    single = Config(dict(launcher='none'))
    assert not fit_distributed_to_cpu(single)
    assert 'model_wrapper_cfg' not in single
