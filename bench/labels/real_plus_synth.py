"""Real plus synthetic: how many labelled scenes does mmdd's data save?
The shapes-world benchmark of issue 34 (CPU).

The DeepLabV3-R18 shapes recipe (600 iterations, batch 8, tested on 200
real scenes), for each seed, trained on

- real only: the first N real train scenes, N in ``--real-counts``;
- synthetic only: ``--num-synthetic`` images + attention labels from the
  shipped ``mmdd::shapes-t2i``;
- mixed: N real + the synthetic set in one run, ``--synthetic-share`` of
  each batch synthetic (``RealSynthDataset`` + ``SyntheticShareSampler``,
  configs/shapes/*_shapes-real25-plus-synth-*);
- fine-tuned: the real recipe on N real scenes from the synthetic-only
  run's weights (configs/shapes/*_shapes-real25-finetune-from-synth-*),

with the synthetic labels made two ways (``--labels``): ``paper``, the
model's config (tau = 1, the 0.6 / 0.5 band), and ``best``, the best row of
bench/labels/label_beyond.py for this model (guided filter r = 8, eps = 0.001,
refined_weight = 0.5). Prints the table, the real-only count each mixed or
fine-tuned run matches (interpolated on log N: "labels saved") and writes
a plot of mIoU against N, one curve per recipe.

    python -m bench.labels.real_plus_synth          # the whole grid (hours)
    python -m bench.labels.real_plus_synth --seeds 0 --iters 20 \\
        --real-counts 10 25 --num-synthetic 16 --test 10 --labels paper
        # a smoke run

Every finished run writes ``result.json`` in its work dir and a rerun with
the same settings reads it back, so a stopped grid resumes.
"""
import argparse
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

from bench.common.segmenter_runs import (REAL_CONFIG, SHAPES_CONFIGS,
                                         SYNTH_CONFIG, SegmenterRun, run_all,
                                         write_real_splits)

MIXED_CONFIG = osp.join(
    SHAPES_CONFIGS,
    'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-real25-plus-synth-64x64.py')
FINETUNE_CONFIG = osp.join(
    SHAPES_CONFIGS,
    'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-real25-finetune-from-synth-64x64.py')
# Label settings changed from the model's config (docs/benchmarks.md,
# "Labels beyond the paper": the best row of mmdd::shapes-t2i).
LABELLINGS = {
    'paper': {},
    'best':
    dict(guided_filter_radius=8, guided_filter_eps=0.001, refined_weight=0.5),
}
RECIPES = ('mixed', 'finetune')


def real_equivalent(miou: float, counts: Sequence[int],
                    real: Sequence[float]) -> Optional[float]:
    """How many real scenes real-only training needs for ``miou``: the
    real-only means (made non-decreasing) interpolated on log N. None above
    the largest count; the smallest count at or below its mIoU."""
    curve = np.maximum.accumulate(np.asarray(real, dtype=float))
    if miou > curve[-1]:
        return None
    above = int(np.argmax(curve >= miou))
    if above == 0:
        return float(counts[0])
    low, high = curve[above - 1], curve[above]
    share = (miou - low) / (high - low) if high > low else 1.0
    logs = np.log([counts[above - 1], counts[above]])
    return float(np.exp(logs[0] + share * (logs[1] - logs[0])))


def mean_std(values: Sequence[float]) -> tuple:
    return float(np.mean(values)), float(np.std(values))


class Grid:
    """Every run of the benchmark, keyed (recipe, labelling, N, seed);
    real-only runs have labelling None, synthetic-only runs N = 0."""

    def __init__(self, args, work: str, data_root: str, prompts: str):
        self.args, self.work, self.data_root = args, work, data_root
        self.prompts = prompts
        self.runs: Dict[tuple, SegmenterRun] = {}

    def synthetic_fields(self, labelling: str) -> Dict:
        from mmengine.config import Config
        base = Config.fromfile(SYNTH_CONFIG).train_dataloader.dataset
        return dict(model=self.args.model, prompts_file=self.prompts,
                    num_samples=self.args.num_synthetic,
                    cache_dir=osp.join(self.work, f'synth_{labelling}'),
                    generation=dict(base.generation, **LABELLINGS[labelling]))

    def generate(self, labelling: str) -> float:
        """Fill the labelling's cache ahead (one process, not each run)."""
        from mmengine.config import Config
        from mmengine.registry import init_default_scope

        from mmdd.registry import DATASETS
        init_default_scope('mmdd')
        cfg = Config.fromfile(SYNTH_CONFIG).train_dataloader.dataset
        cfg.update(self.synthetic_fields(labelling))
        start = time.time()
        DATASETS.build(cfg)
        return time.time() - start

    def mixed_config(self) -> str:
        """The mixed config with this run's share (a file in the work dir,
        so that each run's settings stay a config path plus fields)."""
        path = osp.join(self.work,
                        f'mixed_share{self.args.synthetic_share:g}.py')
        with open(path, 'w') as file:
            file.write(f'_base_ = [{MIXED_CONFIG!r}]\n'
                       'train_dataloader = dict(sampler=dict('
                       f'synthetic_share={self.args.synthetic_share!r}))\n')
        return path

    def mixed_fields(self, labelling: str, count: int) -> Dict:
        from mmengine.config import Config
        parts = Config.fromfile(MIXED_CONFIG).train_dataloader.dataset
        real, synthetic = (part.to_dict() for part in parts.datasets)
        real.update(data_root=self.data_root, indices=count)
        synthetic.update(self.synthetic_fields(labelling))
        return dict(datasets=[real, synthetic])

    def add(self, key: tuple, config: str, fields: Dict,
            load_from: Optional[str] = None) -> None:
        recipe, labelling, count, seed = key
        name = '_'.join(str(p) for p in (recipe, labelling, count) if p)
        self.runs[key] = SegmenterRun(
            config, osp.join(self.work, f'{name}_seed{seed}'), self.args.iters,
            self.data_root, fields, seed, load_from)

    def build(self) -> None:
        args, mixed = self.args, self.mixed_config()
        for seed in args.seeds:
            for count in args.real_counts:
                self.add(('real', None, count, seed), REAL_CONFIG,
                         dict(indices=count))
            for labelling in args.labels:
                self.add(('synthetic', labelling, 0, seed), SYNTH_CONFIG,
                         self.synthetic_fields(labelling))
                pretrained = self.runs['synthetic', labelling, 0, seed]
                for count in args.real_counts:
                    self.add(('mixed', labelling, count, seed), mixed,
                             self.mixed_fields(labelling, count))
                    self.add(
                        ('finetune', labelling, count, seed), FINETUNE_CONFIG,
                        dict(indices=count), pretrained.checkpoint)

    def train(self) -> Dict[tuple, float]:
        """Each run's test mIoU; fine-tuning runs after the synthetic ones
        whose checkpoints they load."""
        first = [k for k in self.runs if k[0] != 'finetune']
        second = [k for k in self.runs if k[0] == 'finetune']
        results = {}
        for keys in (first, second):
            mious = run_all([self.runs[k] for k in keys], self.args.workers)
            results.update(zip(keys, mious))
        return results


def summarise(args, results: Dict[tuple, float]) -> Dict[tuple, tuple]:
    """(recipe, labelling, N) -> (mean, std) over the seeds."""
    groups: Dict[tuple, List[float]] = {}
    for (recipe, labelling, count, _), miou in results.items():
        groups.setdefault((recipe, labelling, count), []).append(miou)
    return {key: mean_std(values) for key, values in groups.items()}


def curves(args) -> List[tuple]:
    """(recipe, labelling, label) of each curve, real-only first."""
    return [('real', None, 'real only')
            ] + [(recipe, labelling, f'{recipe} ({labelling} labels)')
                 for labelling in args.labels for recipe in RECIPES]


def tables(args, stats: Dict[tuple, tuple]) -> str:
    counts = args.real_counts
    real = [stats['real', None, n][0] for n in counts]

    def cell(key):
        mean, std = stats[key]
        return f'{mean:.1f} ± {std:.1f}'

    lines = [
        '| real scenes | ' + ' | '.join(c[2] for c in curves(args)) + ' |',
        '| --- ' * (len(curves(args)) + 1) + '|'
    ]
    for n in counts:
        lines.append(f'| {n} | ' + ' | '.join(
            cell((recipe, labelling, n))
            for recipe, labelling, _ in curves(args)) + ' |')
    for labelling in args.labels:
        lines.append(f'| 0 (synthetic only, {labelling} labels) | ' +
                     cell(('synthetic', labelling, 0)) + ' |' + ' |' *
                     (len(curves(args)) - 1))
    lines += [
        '', 'Labels saved: the real scenes real-only training needs to '
        "match each run's mean mIoU (interpolated on log N), and that over "
        'the real scenes the run used:', '',
        '| real scenes | ' + ' | '.join(c[2] for c in curves(args)[1:]) + ' |',
        '| --- ' * len(curves(args)) + '|'
    ]
    for n in counts:
        row = []
        for recipe, labelling, _ in curves(args)[1:]:
            needed = real_equivalent(stats[recipe, labelling, n][0], counts,
                                     real)
            row.append(f'> {counts[-1]}' if needed is
                       None else f'{needed:.0f} ({needed / n:.1f}x)')
        lines.append(f'| {n} | ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def targets(args, stats: Dict[tuple, tuple]) -> str:
    """The issue's two targets, for each mixed curve."""
    lines, counts = [], args.real_counts
    for labelling in args.labels:
        mixed = {n: stats['mixed', labelling, n] for n in counts}
        real = {n: stats['real', None, n] for n in counts}
        if 25 in counts and 100 in counts:
            gap = mixed[25][0] - real[100][0]
            lines.append(
                f'mixed ({labelling}) with 25 real >= real-only with 100: '
                f'{"met" if gap >= 0 else "missed"} ({gap:+.1f})')
        below = [(n, real[n][0] - mixed[n][0], max(real[n][1], mixed[n][1]))
                 for n in counts]
        worst = max(below, key=lambda b: b[1] - b[2])
        lines.append(
            f'mixed ({labelling}) never below real-only by more than the '
            f'seeds\' spread: {"met" if worst[1] <= worst[2] else "missed"} '
            f'(worst at N={worst[0]}: {-worst[1]:+.1f}, spread '
            f'{worst[2]:.1f})')
    return '\n'.join(lines)


def plot(args, stats: Dict[tuple, tuple], path: str) -> str:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(6.4, 4.4))
    counts = args.real_counts
    for recipe, labelling, label in curves(args):
        values = [stats[recipe, labelling, n] for n in counts]
        axes.errorbar(counts, [v[0] for v in values],
                      yerr=[v[1] for v in values], marker='o', capsize=3,
                      label=label)
    for labelling in args.labels:
        mean = stats['synthetic', labelling, 0][0]
        axes.axhline(mean, linestyle='--', linewidth=1, color='grey')
        axes.annotate(f'synthetic only ({labelling})', (counts[0], mean),
                      fontsize=8, va='bottom')
    axes.set_xscale('log')
    axes.minorticks_off()
    axes.set_xticks(counts, [str(n) for n in counts])
    axes.set_xlabel('real labelled scenes')
    axes.set_ylabel(f'test mIoU ({args.test} real scenes)')
    axes.set_title(f'Real plus {args.num_synthetic} synthetic, '
                   f'{args.iters} iterations, {len(args.seeds)} seed(s)')
    axes.legend(fontsize=8)
    figure.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100)
    return path


def parse_args(argv: Optional[Sequence[str]] = None):
    from mmdd.shapes import DEFAULT_MODEL
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--iters', type=int, default=600)
    parser.add_argument('--real-counts', type=int, nargs='+',
                        default=[10, 25, 50, 100, 200])
    parser.add_argument('--num-synthetic', type=int, default=400)
    parser.add_argument('--labels', nargs='+', choices=sorted(LABELLINGS),
                        default=['paper', 'best'])
    parser.add_argument('--synthetic-share', type=float, default=0.5,
                        help='synthetic fraction of each mixed batch')
    parser.add_argument('--test', type=int, default=200,
                        help='real test scenes')
    parser.add_argument('--model', default=DEFAULT_MODEL)
    parser.add_argument('--workers', type=int, default=2,
                        help='runs side by side, one thread share each')
    parser.add_argument('--work-dir',
                        default='work_dirs/bench_real_plus_synth')
    parser.add_argument(
        '--plot', default=None,
        help='PNG path (default: <work-dir>/real_plus_synth'
        '.png)')
    args = parser.parse_args(argv)
    args.real_counts = sorted(set(args.real_counts))
    if args.real_counts[0] < 1:
        parser.error('--real-counts: give counts of 1 or more')
    return args


def main(argv: Optional[Sequence[str]] = None) -> str:
    from mmdd.shapes.prompts import write_shapes_prompts
    from mmdd.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    args = parse_args(argv)
    work = osp.abspath(args.work_dir)
    start = time.time()
    data_root = write_real_splits(work, args.real_counts[-1], args.test)
    prompts = str(
        write_shapes_prompts(
            osp.join(work, 'prompts.jsonl'), args.num_synthetic))
    grid = Grid(args, work, data_root, prompts)
    for labelling in args.labels:
        seconds = grid.generate(labelling)
        print(f'synthetic set ({labelling} labels): {seconds:.0f} s',
              flush=True)
    grid.build()
    to_train = sum(run.saved_miou() is None for run in grid.runs.values())
    generated = time.time()
    stats = summarise(args, grid.train())
    trained = time.time() - generated
    picture = plot(args, stats, args.plot
                   or osp.join(work, 'real_plus_synth.png'))
    report = '\n\n'.join([
        f'DeepLabV3-R18, {args.iters} iterations x batch 8, seeds '
        f'{" ".join(map(str, args.seeds))}, {args.num_synthetic} synthetic '
        f'scenes, synthetic share {args.synthetic_share:g} (mixed), tested '
        f'on {args.test} real scenes; mean ± std:',
        tables(args, stats),
        targets(args, stats),
        f'plot: {picture}',
        f'{len(grid.runs)} runs ({to_train} trained, the rest read back) in '
        f'{trained / 60:.1f} min ({trained / max(1, to_train):.0f} s a '
        f'trained run, {args.workers} side by side); whole command '
        f'{(time.time() - start) / 60:.1f} min',
    ])
    print(report)
    return report


if __name__ == '__main__':
    main()
