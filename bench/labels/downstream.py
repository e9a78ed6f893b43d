"""The ablation's downstream grid: every segmenter run of the real
baseline and of each model's rows, for each seed; round one side by side,
then self-training (pseudo-labels from round one's models with
tools/pseudo_label.py). Shared by bench.labels.label_ablation and
bench.labels.label_beyond."""
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

from bench import REPO_ROOT
from bench.common.segmenter_runs import (REAL_CONFIG, SYNTH_CONFIG,
                                         SegmenterRun, run_all,
                                         write_real_splits)
from bench.labels.ablation_labels import RowCaches
from bench.labels.ablation_rows import Row, mean_std

CONFIDENCE_CONFIG = SYNTH_CONFIG[:-3] + '_confidence.py'
SELFTRAIN_CONFIG = SYNTH_CONFIG[:-3] + '_selftrain.py'


def pseudo_label(config: str, checkpoint: str, folder: str,
                 workers: int = 1) -> None:
    """Self-training step 2 with the real tool, on the row's cache
    (``workers``: how many run at once, sharing the CPU threads)."""
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'pseudo_label.py'), config, checkpoint,
        '--mask-folder', folder, '--device', 'cpu'
    ], check=True, env=dict(os.environ, PYTHONPATH=REPO_ROOT,
                            OMP_NUM_THREADS=threads))


def dump_round_one(run: SegmenterRun, work_dir: str) -> str:
    """The round-one config as a file for ``tools/pseudo_label.py``."""
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, 'round1.py')
    run.cfg().dump(path)
    return path


class Downstream:
    """Every training run of the grid: the real baseline and each model's
    rows, for each seed. Round one (real, a-f) trains side by side; then
    f's models pseudo-label their caches and g trains from them."""

    def __init__(self, args, data_root: str):
        self.args, self.data_root = args, data_root
        self.first: Dict[tuple, SegmenterRun] = {}
        self.second: Dict[tuple, tuple] = {}  # run, round-one run, folder

    def wants(self, key: str) -> bool:
        """Whether row ``key`` trains (``--downstream-rows``; g needs its
        f, as round one)."""
        wanted = self.args.downstream_rows
        if not wanted:
            return True
        return key in wanted or (key[0] == 'f'
                                 and key.replace('f', 'g') in wanted)

    def add_real(self, work: str) -> None:
        for seed in self.args.seeds:
            run_dir = osp.join(work, f'real_seed{seed}')
            key = ('real', seed)
            self.first[key] = SegmenterRun(REAL_CONFIG, run_dir,
                                           self.args.iters, self.data_root,
                                           seed=seed)

    def add_model(self, model: str, rows: List[Row], caches: RowCaches,
                  work: str) -> None:
        cache_of = {r.key: r for r in rows if r.training == 'ignore'}
        rows = [row for row in rows if self.wants(row.key)]
        for row in rows:
            if row.training == 'oracle':
                caches.write_oracle_masks(row.label_key, row.mask_folder)
        for seed in self.args.seeds:
            for row in rows:
                fields = caches.dataset_fields(cache_of[row.label_key])
                run_dir = osp.join(work, f'{row.key}_seed{seed}')
                if row.training == 'oracle':
                    fields = dict(fields, mask_folder=row.mask_folder)
                if row.training == 'selftrain':
                    first = self.first[model, row.key.replace('g', 'f'), seed]
                    folder = f'mask_selftrain_seed{seed}'
                    run = SegmenterRun(SELFTRAIN_CONFIG, run_dir,
                                       self.args.iters, self.data_root,
                                       dict(fields, mask_folder=folder), seed,
                                       first.checkpoint)
                    self.second[model, row.key, seed] = run, first, folder
                    continue
                config = (
                    CONFIDENCE_CONFIG
                    if row.training == 'confidence' else SYNTH_CONFIG)
                key = (model, row.key, seed)
                self.first[key] = SegmenterRun(config, run_dir,
                                               self.args.iters, self.data_root,
                                               fields, seed)

    def run(self) -> Dict[tuple, float]:
        """Test mIoU of every run, keyed (model, row, seed) and
        ('real', seed)."""
        start = time.time()
        results = dict(
            zip(self.first,
                run_all(list(self.first.values()), self.args.workers)))
        print(
            f'round one: {len(self.first)} runs, '
            f'{time.time() - start:.0f} s', flush=True)
        start = time.time()
        # Configs load and dump here: mmengine's Config.fromfile is not
        # thread-safe (its package lookup races); threads only wait.
        pending = [(dump_round_one(first, run.work_dir), first.checkpoint,
                    folder, self.args.workers)
                   for run, first, folder in self.second.values()
                   if run.saved_miou() is None]
        with ThreadPoolExecutor(self.args.workers) as pool:
            list(pool.map(lambda job: pseudo_label(*job), pending))
        results.update(
            zip(
                self.second,
                run_all([run for run, _, _ in self.second.values()],
                        self.args.workers)))
        print(
            f'self-training: {len(self.second)} runs, '
            f'{time.time() - start:.0f} s', flush=True)
        return results


def summarise(results: Dict[tuple, float], *prefix) -> Dict:
    """(mean, std) over the seeds of each row under ``prefix``."""
    values: Dict = {}
    for key, miou in results.items():
        if key[:len(prefix)] == prefix:
            values.setdefault(key[len(prefix):-1], []).append(miou)
    return {(k[0] if k else None): mean_std(v) for k, v in values.items()}


def with_saved_runs(grid: Downstream,
                    results: Dict[tuple, float]) -> Dict[tuple, float]:
    """``results`` plus the test mIoU of every round-one run of ``grid``
    that an earlier run finished (those left out of this run's training)."""
    found = dict(results)
    for key, run in grid.first.items():
        if key not in found and run.saved_miou() is not None:
            found[key] = run.saved_miou()
    return found


def prepare_work(args) -> tuple:
    """What every shapes label bench starts from, under ``args.work_dir``:
    mmdd's modules registered, the real splits, the prompts file and a
    downstream grid holding the real baseline's runs. Returns (work dir,
    real data root, prompts file, grid)."""
    from mmdd.shapes.prompts import write_shapes_prompts
    from mmdd.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    work = osp.abspath(args.work_dir)
    data_root = write_real_splits(work, args.real_train, args.test)
    prompts = str(
        write_shapes_prompts(osp.join(work, 'prompts.jsonl'), args.samples))
    grid = Downstream(args, data_root)
    grid.add_real(osp.join(work, 'real'))
    return work, data_root, prompts, grid
