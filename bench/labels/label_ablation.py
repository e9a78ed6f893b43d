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

    python -m bench.labels.label_ablation                  # every model
    python -m bench.labels.label_ablation --models mmdd::shapes-t2i-sd \\
        --seeds 0
    python -m bench.labels.label_ablation --best-tau mmdd::shapes-t2i-sd=1

Every finished training writes ``result.json`` in its work dir and a rerun
with the same settings reads it back, so a stopped grid resumes where it
stopped (on 2 cores: labels 11 min, each 150-iteration run about 1.3 min
with ``--workers 2``).

Prints markdown tables (pasted into docs/benchmarks.md) and writes a picture
per model: image | oracle | label of rows a-e.
"""
import argparse
import os.path as osp
import time
from typing import Dict, List

from bench.labels.ablation_labels import (DIT_MODELS, GENERATION_CONFIGS,
                                          label_rows, model_settings)
from bench.labels.ablation_report import save_pictures, table
from bench.labels.ablation_rows import PAPER_TAU, ablation_rows, labelling_rows
from bench.labels.downstream import prepare_work, summarise
from mmdd.utils.cli import add_options


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
    add_options(
        parser, 'models', 'samples', 'batch-size',
        models=list(GENERATION_CONFIGS), samples=dict(
            default=400, help='generated samples per model (all '
            'are scored and train the segmenter)'))
    parser.add_argument('--taus', type=int, nargs='+', default=[1, 2, 4])
    add_options(parser, 'seeds', 'iters', 'real-train', 'test',
                'skip-downstream', 'workers')
    parser.add_argument(
        '--downstream-rows', nargs='+', default=None,
        help='train only these rows (keys as in the '
        'table, e.g. a c d4 e g); default all')
    parser.add_argument('--pictures', default='work_dirs/bench_ablation',
                        help='folder of the per-model PNGs')
    add_options(parser, 'pictures-rows', 'work-dir',
                work_dir='work_dirs/bench_ablation')
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
