"""Train a segmenter: ``python tools/train.py CONFIG [--work-dir DIR] ...``.

Same flags as mmseg's tools/train.py.
"""
import argparse
import logging

from mmengine.logging import print_log

from mmdd.distributed.split_ranks import setup_split_ranks
from mmdd.engine.preflight import check_before_generation
from mmdd.utils import register_all_modules
from mmdd.utils.cli import add_runner_args, build_runner, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmenter')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', action='store_true',
        help='resume from the latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision')
    add_runner_args(parser)
    return parser.parse_args()


def enable_amp(cfg) -> None:
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'AmpOptimWrapper':
        print_log('AMP is already enabled in the config.', logger='current',
                  level=logging.WARNING)
        return
    if wrapper != 'OptimWrapper':
        raise ValueError(f'--amp needs optim_wrapper.type="OptimWrapper", the '
                         f'config has {wrapper!r}; set AmpOptimWrapper in the '
                         'config instead.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def main() -> None:
    register_all_modules(init_default_scope=False)
    args = parse_args()
    cfg = load_config(args)
    if args.amp:
        enable_amp(cfg)
    cfg.resume = args.resume
    check_before_generation(cfg)  # fail before hours of generation
    if setup_split_ranks(cfg):  # a rank that only generates: done
        return
    build_runner(cfg).train()


if __name__ == '__main__':
    main()
