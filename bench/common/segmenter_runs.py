"""Train and test the shapes segmenter configs through mmengine's Runner
(shared by the label benchmarks), one run at a time or several side by
side in worker processes."""
import json
import multiprocessing
import os
import os.path as osp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence

from bench import REPO_ROOT

SHAPES_CONFIGS = osp.join(REPO_ROOT, 'configs', 'shapes')
REAL_CONFIG = osp.join(SHAPES_CONFIGS,
                       'deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py')
SYNTH_CONFIG = osp.join(SHAPES_CONFIGS,
                        'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py')


def write_real_splits(work: str, train: int, test: int) -> str:
    """Real shapes scenes with exact labels under ``<work>/data`` (train,
    a 10-scene val split, test); the data root."""
    from mmdd.datasets import write_shapes_split
    data_root = osp.join(work, 'data')
    for split, count in (('train', train), ('val', 10), ('test', test)):
        write_shapes_split(data_root, split, count)
    return data_root


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


@dataclass(frozen=True)
class SegmenterRun:
    """One training + test of a shapes config (picklable for workers)."""
    config: str
    work_dir: str
    iters: int
    data_root: str
    train_dataset: Optional[Dict] = None
    seed: int = 0
    load_from: Optional[str] = None

    def cfg(self):
        cfg = shapes_config(self.config, self.work_dir, self.iters,
                            self.data_root, self.train_dataset, self.seed,
                            self.load_from)
        cfg.default_hooks.logger.interval = self.iters
        return cfg

    @property
    def checkpoint(self) -> str:
        return osp.join(self.work_dir, f'iter_{self.iters}.pth')

    @property
    def result_file(self) -> str:
        return osp.join(self.work_dir, 'result.json')

    def saved_miou(self) -> Optional[float]:
        """The test mIoU of an earlier run with exactly these settings."""
        if not osp.isfile(self.result_file):
            return None
        with open(self.result_file) as file:
            saved = json.load(file)
        same = saved['run'] == json.loads(json.dumps(asdict(self)))
        return saved['mIoU'] if same else None


def _test_miou(run: SegmenterRun, threads: Optional[int]) -> float:
    """Train and test ``run``, or read the result of an earlier identical
    run (``result.json`` in its work dir), so a stopped grid resumes."""
    saved = run.saved_miou()
    if saved is not None:
        return saved
    if threads:
        import torch
        torch.set_num_threads(threads)
    miou = float(train_and_test(run.cfg())['mIoU'])
    os.makedirs(run.work_dir, exist_ok=True)
    with open(run.result_file + '.tmp', 'w') as file:
        json.dump(dict(run=asdict(run), mIoU=miou), file)
    os.replace(run.result_file + '.tmp', run.result_file)
    return miou


def run_all(runs: Sequence[SegmenterRun], workers: int = 1) -> List[float]:
    """Each run's test mIoU, in order (finished runs are read back, not
    repeated). ``workers`` > 1 trains that many
    side by side in spawned processes, each with an equal share of the CPU
    threads: on a small machine two 1-thread runs finish sooner than two
    2-thread runs in a row."""
    if workers <= 1 or len(runs) <= 1:
        return [_test_miou(run, None) for run in runs]
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context('spawn')  # no fork under OpenMP
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(_test_miou, runs, [threads] * len(runs)))
