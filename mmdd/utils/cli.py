"""Command-line pieces shared by tools/train.py, tools/test.py and friends.

They take mmseg's flags (``--work-dir``, ``--cfg-options``, ``--launcher``)
so commands written for mmseg work unchanged with mmdd's tools.
"""
import argparse
import os
import os.path as osp
import sys
from typing import TYPE_CHECKING, Callable

from .cli_options import add_options, positive_int  # noqa: F401 (tools' names)

# mmengine is imported where it is used: the prompt tools and the dataset
# converter use this module without it.
if TYPE_CHECKING:
    from mmengine.config import Config

BAD_INPUT = (OSError, ValueError)


def exit_code(run: Callable[[argparse.Namespace], None],
              args: argparse.Namespace) -> int:
    """A tool's exit status: 0 when ``run(args)`` finishes, 1 after
    printing ``error: <message>`` when it rejects its input (a missing
    file, a malformed line); the message names the bad value and the fix.
    """
    try:
        run(args)
    except BAD_INPUT as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    add_options(parser, 'work-dir', 'cfg-options',
                work_dir=dict(help='folder for logs and checkpoints'))
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm',
                                 'mpi'], default='none',
                        help='job launcher (dist_*.sh and slurm_*.sh set it)')
    # torch.distributed launchers pass --local-rank (>= 2.0) or --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> 'Config':
    """Read the config and apply the command line to it."""
    from mmengine.config import Config
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        raise FileNotFoundError(
            f'Config file {args.config!r} does not exist; configs live under '
            'configs/ (e.g. configs/dd_voc.py).')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    fit_distributed_to_cpu(cfg)
    return cfg


def build_runner(cfg: 'Config'):
    """Build the runner a config asks for (``runner_type``) or mmengine's."""
    from mmengine.runner import Runner

    from mmdd.registry import RUNNERS
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def fit_distributed_to_cpu(cfg: 'Config') -> bool:
    """Let a distributed job run where CUDA is absent, whatever the config.

    mmengine's defaults assume GPUs: the ``nccl`` backend and a DDP wrapper
    given GPU ids. Without CUDA, a launched job (``--launcher`` not
    ``none``) uses ``gloo`` instead of ``nccl`` and, when the config names
    no ``model_wrapper_cfg``, ``mmdd.MMDistributedDataParallelAnyDevice``.
    Returns whether anything changed.
    """
    import torch
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    from mmengine.logging import print_log
    changes = []
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        cfg.merge_from_dict({'env_cfg.dist_cfg.backend': 'gloo'})
        changes.append("env_cfg.dist_cfg.backend='gloo'")
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='mmdd.MMDistributedDataParallelAnyDevice')
        changes.append('model_wrapper_cfg.type='
                       "'mmdd.MMDistributedDataParallelAnyDevice'")
    if changes:
        print_log(
            f'No CUDA: running the distributed job on CPUs with '
            f'{" and ".join(changes)}.', logger='current')
    return bool(changes)


def set_max_iters(cfg: 'Config', iters: int) -> 'Config':
    """Shorten or lengthen an iteration-based config consistently: the
    train loop, its one validation at the end, the first (poly) LR
    scheduler's end and the checkpoint interval."""
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.param_scheduler[0].end = iters
    cfg.default_hooks.checkpoint.interval = iters
    return cfg


def enable_tta(cfg: 'Config') -> 'Config':
    """Test with test-time augmentation, as mmseg's ``tools/test.py --tta``:
    the model wrapped in ``cfg.tta_model``, the test set read with
    ``cfg.tta_pipeline``. A config without them is refused by name."""
    missing = [
        key for key in ('tta_model', 'tta_pipeline') if not cfg.get(key)
    ]
    if missing:
        raise ValueError(
            f'--tta: the config has no {" and no ".join(missing)}. Inherit '
            "configs/_base_/default_runtime.py (tta_model=dict(type="
            "'SegTTAModel')) and a dataset base that has a tta_pipeline "
            "(mmseg's, or configs/_base_/datasets/toy_shapes.py), define "
            'them in the config, or test without --tta.')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model
    return cfg
