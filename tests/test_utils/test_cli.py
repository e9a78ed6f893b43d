"""A distributed job on a machine without CUDA needs no extra options."""
import pytest
import torch
from mmengine.config import Config

from mmdd.utils.cli import fit_distributed_to_cpu

pytestmark = pytest.mark.skipif(torch.cuda.is_available(),
                                reason='the CPU fallback applies without CUDA')


def test_launched_job_gets_gloo_and_the_any_device_wrapper():
    cfg = Config(dict(launcher='pytorch',
                      env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert fit_distributed_to_cpu(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg.type == \
        'mmdd.MMDistributedDataParallelAnyDevice'


def test_a_config_without_env_cfg_gets_gloo_too():
    cfg = Config(dict(launcher='slurm'))
    assert fit_distributed_to_cpu(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


def test_explicit_choices_and_single_process_jobs_are_kept():
    wrapper = dict(type='MMFullyShardedDataParallel')
    cfg = Config(dict(launcher='pytorch', model_wrapper_cfg=wrapper,
                      env_cfg=dict(dist_cfg=dict(backend='mpi'))))
    assert not fit_distributed_to_cpu(cfg)
    assert cfg.model_wrapper_cfg.type == 'MMFullyShardedDataParallel'
    assert cfg.env_cfg.dist_cfg.backend == 'mpi'
    single = Config(dict(launcher='none'))
    assert not fit_distributed_to_cpu(single)
    assert 'model_wrapper_cfg' not in single
