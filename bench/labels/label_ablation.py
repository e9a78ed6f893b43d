"""The paper's ablation in miniature, on the shapes models (CPU).

Rows in the paper's order (docs/benchmarks.md, "The paper's ablation"):

    a  cross-attention of the caption's own class words, tau = 0
    b  + class-prompt appending
    c  + class-prompt cross-attention (the full cross-attention step)
    d  + self-attention exponentiation, tau = 1, 2, 4
    e  + the uncertainty band (0.6 / 0.5)
    f  + confidence-weighted loss (downstream only)
    g  + one self-training round (downstream only)
    k_a, k  the diffusion transformer (mmdd::shapes-dit) only:
       ConceptAttention on the caption alone and with class names appended
    oracle  c's images with their colour-oracle labels (downstream only):
       what the generated images allow with perfect labels

On the transformer, "cross-attention" is its image -> text block (the
class prompt as a one-way side stream for c) and S its image -> image
block (mmdd.diffusion.dit.reader).

e-g run at the paper's tau = 4 and again at the model's own (best
measured) tau when that differs: its config's, or ``--best-tau``'s. For
each model: two generation passes (the caption alone for row a, the
caption with its class names appended for the rest) label every sample
by every row from the same recorded attention; labels are scored against
the colour oracle (mIoU, precision, ignored share). Each row's samples
are then written as the SynthDataset cache that its generation settings
would produce, and the same DeepLabV3-R18 recipe trains on it through
mmengine's Runner for each seed and is tested on real scenes, as is
the same recipe on real scenes.

    python bench/label_ablation.py                        # both models
    python bench/label_ablation.py --models mmdd::shapes-t2i-sd --seeds 0
    python bench/label_ablation.py --best-tau mmdd::shapes-t2i-sd=1

Every finished training writes ``result.json`` in its work dir and a rerun
with the same settings reads it back, so a stopped grid resumes where it
stopped (on 2 cores: labels 11 min, each 150-iteration run about 1.3 min
with ``--workers 2``).

Prints markdown tables (pasted into docs/benchmarks.md) and writes a picture
per model: image | oracle | label of rows a-e.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import numpy as np
from PIL import Image

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from ablation_rows import ablation_rows  # noqa: E402
from ablation_rows import (PAPER_TAU, Row, generator_config, label_pass,
                           labelling_rows, mean_std)
from segmenter_runs import SYNTH_CONFIG  # noqa: E402
from segmenter_runs import (REAL_CONFIG, SegmenterRun, run_all,
                            write_real_splits)

from mmdd.shapes.confusion import LabelScore  # noqa: E402

GENERATION_CONFIGS = {
    'mmdd::shapes-t2i': 'shapes_t2i.py',
    'mmdd::shapes-t2i-sd': 'shapes_t2i_sd.py',
    'mmdd::shapes-dit': 'shapes_dit.py',
}
DIT_MODELS = ('mmdd::shapes-dit', )  # with ConceptAttention rows
CONFIDENCE_CONFIG = SYNTH_CONFIG[:-3] + '_confidence.py'
SELFTRAIN_CONFIG = SYNTH_CONFIG[:-3] + '_selftrain.py'


def model_settings(model: str) -> Dict:
    """The shipped ``synth_dataset`` block of a shapes model."""
    from mmengine.config import Config
    if model not in GENERATION_CONFIGS:
        raise SystemExit(f'--models: {model!r} is not a shapes model; use '
                         f'{", ".join(GENERATION_CONFIGS)}')
    path = osp.join(ROOT, 'configs', '_base_', 'generation',
                    GENERATION_CONFIGS[model])
    return Config.fromfile(path).synth_dataset.to_dict()


class RowCaches:
    """One SynthDataset cache per labelling row, written as SynthDataset
    would write it for that row's generation settings (manifest included),
    so training reads it through the unchanged SynthDataset path."""

    def __init__(self, work: str, model: str, settings: Dict,
                 prompts_file: str, count: int):
        self.work, self.model, self.settings = work, model, settings
        self.prompts_file, self.count = prompts_file, count
        self.datasets = {}

    def dataset_fields(self, row: Row) -> Dict:
        return dict(model=self.model, torch_dtype=self.settings['torch_dtype'],
                    generation=row.generation(self.settings['generation']),
                    cache_dir=osp.join(self.work, f'cache_{row.key}'),
                    prompts_file=self.prompts_file, num_samples=self.count)

    def open(self, rows: List[Row]) -> None:
        from mmengine.config import Config

        from mmdd.registry import DATASETS
        base = Config.fromfile(SYNTH_CONFIG).train_dataloader.dataset
        for row in rows:
            cfg = base.copy()
            cfg.update(self.dataset_fields(row), lazy_init=True)
            dataset = DATASETS.build(cfg)
            dataset.cache.prepare_folder()
            dataset.cache.ensure_manifest(*dataset.settings())
            self.datasets[row.key] = dataset

    def seed(self) -> int:
        return next(iter(self.datasets.values())).seed

    def write(self, index: int, sample, labels: Dict[str, tuple],
              record) -> None:
        for key, (label, confidence) in labels.items():
            dataset = self.datasets[key]
            dataset.cache.write_sample(
                dataset.cache.sample_id(index), sample.image, label,
                confidence, dataset.metainfo['palette'],
                dict(prompt=sample.prompt, prompt_id=record.id,
                     caption=record.caption, classes=record.classes,
                     seed=sample.seed, rank=0, provenance='label_ablation'))

    def write_oracle_masks(self, key: str, folder: str) -> None:
        """Each cached image of row ``key``, segmented by the colour
        oracle, as that cache's ``folder`` labels."""
        from mmdd.shapes.world import oracle_label
        cache = self.datasets[key].cache
        palette = self.datasets[key].metainfo['palette']
        for index in range(self.count):
            sample_id = cache.sample_id(index)
            with Image.open(cache.path('image', sample_id)) as image:
                truth = oracle_label(np.asarray(image.convert('RGB')))
            cache.write_label(folder, sample_id, truth, palette)


def label_rows(args, model: str, work: str, rows: List[Row],
               prompts_file: str) -> tuple:
    """Both generation passes of one model: scores and pictures."""
    from mmdd.datasets.synth_generation import read_prompt_records
    from mmdd.diffusion import (LabelledImageGenerator, SampleRequest,
                                load_pipeline)
    from mmdd.shapes.world import SHAPES_CLASSES
    settings = model_settings(model)
    caches = RowCaches(work, model, settings, prompts_file, args.samples)
    caches.open(rows)
    scores_path = osp.join(work, 'label_scores.json')
    if osp.isfile(scores_path):  # written after both passes finished
        with open(scores_path) as file:
            saved = json.load(file)
        missing = [row.key for row in rows if row.key not in saved]
        if not missing:
            print(f'{model}: labels and caches from an earlier run '
                  f'({scores_path}; delete it to generate again)')
            return ({
                k: LabelScore(**v)
                for k, v in saved.items()
            }, None, caches)
        print(f'{model}: the earlier run has no rows {", ".join(missing)}; '
              f'generating again')
    records = read_prompt_records(prompts_file, SHAPES_CLASSES)
    pipeline = load_pipeline(model, settings['torch_dtype'], 'cpu')
    scores, pictures = {}, {}
    for appended in (False, True):
        mode_rows = [r for r in rows if r.appended == appended]
        if not mode_rows:
            continue
        generator = LabelledImageGenerator(
            pipeline, SHAPES_CLASSES,
            generator_config(mode_rows[0], settings['generation']))
        requests = [
            SampleRequest(r.caption, r.class_ids(SHAPES_CLASSES),
                          caches.seed() + i)
            for i, r in enumerate(records[:args.samples])
        ]
        start = time.time()
        mode_scores, kept = label_pass(
            generator, requests, mode_rows,
            lambda i, s, labels: caches.write(i, s, labels, records[i]),
            args.batch_size, keep=args.pictures_rows)
        scores.update(mode_scores)
        pictures[appended] = kept
        print(
            f'{model}: {len(requests)} samples, '
            f'{"appended" if appended else "caption only"}, '
            f'{time.time() - start:.0f} s', flush=True)
    with open(scores_path, 'w') as file:
        json.dump({k: vars(v) for k, v in scores.items()}, file)
    return scores, pictures, caches


def save_pictures(path: str, pictures: Dict[bool, list],
                  rows: List[Row]) -> None:
    """Per sample: the caption-only image, its oracle and row a; then the
    image with appended class names, its oracle and rows b-e."""
    from mmdd.shapes.world import SHAPES_PALETTE
    from mmdd.visualization import label_strip, label_strip_pitch, titled
    strips = []
    for (image_a, truth_a, a), (image, truth,
                                rest) in zip(pictures[False], pictures[True]):
        left = label_strip(image_a, [truth_a, *a], SHAPES_PALETTE)
        right = label_strip(image, [truth, *rest], SHAPES_PALETTE)
        gap = np.full((left.shape[0], 24, 3), 255, np.uint8)
        strips.append(np.concatenate([left, gap, right], axis=1))
    left_names = ['caption only', 'oracle'
                  ] + [r.key for r in rows if not r.appended]
    right_names = ['appended', 'oracle'] + [r.key for r in rows if r.appended]
    panel = label_strip_pitch(pictures[True][0][0].shape[1])
    right_start = left.shape[1] + gap.shape[1]
    picture = titled(
        np.concatenate(strips),
        [(i * panel, name) for i, name in enumerate(left_names)] +
        [(right_start + i * panel, name)
         for i, name in enumerate(right_names)])
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    Image.fromarray(picture).save(path)


def pseudo_label(config: str, checkpoint: str, folder: str,
                 workers: int = 1) -> None:
    """Self-training step 2 with the real tool, on the row's cache
    (``workers``: how many run at once, sharing the CPU threads)."""
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'pseudo_label.py'), config, checkpoint,
        '--mask-folder', folder, '--device', 'cpu'
    ], check=True, env=dict(os.environ, PYTHONPATH=ROOT,
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


def table(model: str, rows: List[Row], scores: Dict, down: Dict,
          real_count: int, real: tuple) -> str:

    def fmt(value) -> str:
        return '-' if value is None else f'{value[0]:.1f} ± {value[1]:.1f}'

    lines = [
        f'**{model}**', '',
        '| row | step | label mIoU | precision | ignored | test mIoU '
        '(mean ± std) | / real |',
        '| --- | --- | --- | --- | --- | --- | --- |'
    ]
    for row in rows:
        score = scores.get(row.key if row.training == 'ignore' else None)
        if row.training == 'oracle':
            label = '| (the oracle) | | | '
        elif score is None:
            label = '| (as e) | | | '
        else:
            label = (f'| {100 * score.miou:.1f} | '
                     f'{100 * score.precision:.1f} | '
                     f'{100 * score.ignored:.1f}% | ')
        value = down.get(row.key)
        ratio = ('-' if value is None or real is None else
                 f'{100 * value[0] / real[0]:.1f}%')
        lines.append(f'| {row.key} | {row.step} {label}{fmt(value)} | '
                     f'{ratio} |')
    lines.append(f'| real | {real_count} real scenes, exact labels | | | | '
                 f'{fmt(real)} | 100% |')
    return '\n'.join(lines)


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


def best_taus(pairs: List[str]) -> Dict[str, int]:
    """``--best-tau MODEL=TAU ...`` as a dict."""
    taus = {}
    for pair in pairs:
        model, _, tau = pair.rpartition('=')
        if model not in GENERATION_CONFIGS or not tau.isdigit():
            raise SystemExit(
                f'--best-tau: {pair!r} is not MODEL=TAU with MODEL one of '
                f'{", ".join(GENERATION_CONFIGS)}; e.g. '
                f'mmdd::shapes-t2i-sd=1')
        taus[model] = int(tau)
    return taus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+',
                        default=list(GENERATION_CONFIGS))
    parser.add_argument(
        '--samples', type=int, default=400,
        help='generated samples per model (all are scored '
        'and train the segmenter)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--taus', type=int, nargs='+', default=[1, 2, 4])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--iters', type=int, default=600)
    parser.add_argument('--real-train', type=int, default=400)
    parser.add_argument('--test', type=int, default=200)
    parser.add_argument('--skip-downstream', action='store_true')
    parser.add_argument(
        '--workers', type=int, default=2,
        help='segmenter runs trained side by side, each with '
        'cpu_count / workers threads')
    parser.add_argument(
        '--downstream-rows', nargs='+', default=None,
        help='train only these rows (keys as in the '
        'table, e.g. a c d4 e g); default all')
    parser.add_argument('--pictures', default='work_dirs/bench_ablation',
                        help='folder of the per-model PNGs')
    parser.add_argument('--pictures-rows', type=int, default=6)
    parser.add_argument('--work-dir', default='work_dirs/bench_ablation')
    parser.add_argument(
        '--best-tau', nargs='+', default=[], metavar='MODEL=TAU',
        help="a model's best measured tau where it differs from its "
        "config's: adds rows e-g at it (labels are generated again)")
    args = parser.parse_args()
    own_taus = best_taus(args.best_tau)

    begin = time.time()
    work, data_root, prompts, grid = prepare_work(args)
    labelled = {}
    for model in args.models:
        slug = model.split('::')[-1]
        model_work = osp.join(work, slug)
        best_tau = own_taus.get(model,
                                model_settings(model)['generation']['tau'])
        rows = ablation_rows(best_tau, args.taus, model in DIT_MODELS)
        scores, pictures, caches = label_rows(args, model, model_work,
                                              labelling_rows(rows), prompts)
        if pictures:
            save_pictures(
                osp.join(args.pictures, f'ablation_{slug}.png'), pictures,
                labelling_rows(rows))
        grid.add_model(model, rows, caches, model_work)
        labelled[model] = rows, scores
    labels_min = (time.time() - begin) / 60
    results = {} if args.skip_downstream else grid.run()
    real = summarise(results, 'real').get(None)
    tables = [
        table(model, rows, scores, summarise(results, model), args.real_train,
              real) for model, (rows, scores) in labelled.items()
    ]
    print(f'\nModels {", ".join(args.models)}; {args.samples} samples each, '
          f'paper tau {PAPER_TAU}; seeds {args.seeds}, {args.iters} '
          f'iterations, {args.workers} worker(s); labels {labels_min:.1f} '
          f'min, whole run {(time.time() - begin) / 60:.1f} min\n')
    print('\n\n'.join(tables))


if __name__ == '__main__':
    main()
