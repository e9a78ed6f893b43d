"""Train and test the shapes segmenter configs through mmengine's Runner
(shared by the label benchmarks)."""
import os.path as osp
from typing import Dict, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHAPES_CONFIGS = osp.join(ROOT, 'configs', 'shapes')
REAL_CONFIG = osp.join(SHAPES_CONFIGS,
                       'deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py')
SYNTH_CONFIG = osp.join(SHAPES_CONFIGS,
                        'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py')


def shapes_config(config: str, work_dir: str, iters: int, data_root: str,
                  train_dataset: Optional[Dict] = None,
                  seed: Optional[int] = None, load_from: Optional[str] = None):
    """``config`` made to train ``iters`` on ``train_dataset`` (fields
    merged into the config's training dataset), validated and tested on
    the real splits under ``data_root``."""
    from mmengine.config import Config

    from mmdd.utils.cli import set_max_iters
    cfg = set_max_iters(Config.fromfile(config), iters)
    cfg.work_dir = work_dir
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = data_root
    train = cfg.train_dataloader.dataset
    if 'data_root' in train:  # the real split
        train.data_root = data_root
    train.update(train_dataset or {})
    if seed is not None:
        cfg.randomness = dict(seed=seed)
    if load_from is not None:
        cfg.load_from = load_from
    return cfg


def train_and_test(cfg) -> Dict[str, float]:
    """Train a config from :func:`shapes_config`; its test metrics."""
    from mmdd.utils import register_all_modules
    from mmdd.utils.cli import build_runner
    register_all_modules(init_default_scope=False)
    runner = build_runner(cfg)
    runner.train()
    return runner.test()
