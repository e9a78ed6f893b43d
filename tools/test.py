"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [...]``.

Same flags as mmseg's tools/test.py.
"""
import argparse

from mmdd.engine.preflight import check_compiled_ops
from mmdd.utils import register_all_modules
from mmdd.utils.cli import (add_runner_args, build_runner, enable_tta,
                            load_config)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a segmenter')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='save raw predictions to this folder')
    parser.add_argument('--show', action='store_true',
                        help='show predictions in a window')
    parser.add_argument('--show-dir',
                        help='save painted predictions to this folder')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds per shown image')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation')
    add_runner_args(parser)
    return parser.parse_args()


def enable_visualization(cfg, args) -> None:
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise RuntimeError(
            '--show/--show-dir need default_hooks.visualization='
            "dict(type='SegVisualizationHook') in the config.")
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir


def main() -> None:
    register_all_modules(init_default_scope=False)
    args = parse_args()
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        enable_tta(cfg)
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    check_compiled_ops(cfg)  # mmcv-lite: name missing ops at once
    build_runner(cfg).test()


if __name__ == '__main__':
    main()
