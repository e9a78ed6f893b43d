"""Generate only the synthetic dataset of a config (no training).

    python tools/generate.py CONFIG
    bash tools/dist_generate.sh CONFIG GPUS     # one process per GPU

Every SynthDataset in the config's training data is filled: each rank makes
its share of the missing samples, as ``tools/train.py`` would before
training. A rerun resumes where an interrupted one stopped and regenerates
damaged samples. What training will need afterwards (backbone weights, val
data, a writable work dir) is checked first and reported as warnings.
"""
import argparse
import logging

from mmengine.dist import get_dist_info, init_dist
from mmengine.logging import MMLogger, print_log
from mmengine.registry import init_default_scope

from mmdd.datasets.synth_type import is_synth_dataset
from mmdd.engine.preflight import preflight_problems
from mmdd.registry import DATASETS
from mmdd.utils import register_all_modules
from mmdd.utils.cli import add_runner_args, load_config
from mmdd.utils.dataset_cfgs import iter_loader_dataset_cfgs


def main() -> None:
    register_all_modules(init_default_scope=False)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='an mmdd config with a SynthDataset')
    add_runner_args(parser)
    args = parser.parse_args()
    cfg = load_config(args)
    if args.launcher != 'none':
        init_dist(args.launcher, **cfg.get('env_cfg', {}).get('dist_cfg', {}))
    MMLogger.get_instance('mmdd-generate', log_level='INFO')
    init_default_scope(cfg.get('default_scope', 'mmdd'))

    found = [
        dataset_cfg for dataset_cfg in iter_loader_dataset_cfgs(
            cfg, loaders=['train_dataloader']) if is_synth_dataset(dataset_cfg)
    ]
    if not found:
        raise SystemExit(f'{args.config} trains on no SynthDataset; nothing '
                         'to generate.')
    rank, world_size = get_dist_info()
    if rank == 0:
        for problem in preflight_problems(cfg):
            print_log(f'Training on this data will fail: {problem}',
                      logger='current', level=logging.WARNING)
    for dataset_cfg in found:
        dataset_cfg['stream'] = None  # everything now, nothing to train
        dataset = DATASETS.build(dataset_cfg)  # full_init generates
        if rank == 0:
            print_log(
                f'{dataset.cache.root}: {len(dataset)} samples ready '
                f'({world_size} process(es)).', logger='current')


if __name__ == '__main__':
    main()
