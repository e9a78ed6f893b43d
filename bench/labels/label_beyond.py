"""Labels beyond the paper on the shapes models (CPU).

docs/benchmarks.md, "Labels beyond the paper". For each model, starting
from its config's labelling (the "paper" row: ``shapes-t2i`` tau = 1,
``shapes-t2i-sd`` and ``shapes-dit`` tau = 4, all with the 0.6 / 0.5
band; a diffusion transformer's class prompt is a side stream, and it has
more candidates: ConceptAttention's columns, tau 1 and 2, and the first
half of its joint blocks):

1. **Validation** (captions of scenes 800 000 onwards, generation seeds
   800 000 onwards: neither the test rows nor any config uses them): one
   generation pass per recording setting (plain mean; steps weighted
   linearly; layers weighted by sharpness; cross-attention read at the
   self-attention's grid; a transformer's first half of joint blocks),
   attention kept, and every label-time setting
   (:mod:`mmdd.diffusion.labelling.refinement`) applied to the same recorded
   attention. Each candidate changes one setting of the paper row; the
   best row is then built greedily: families in order of their best
   single gain, a family's best value kept when it raises validation
   label mIoU.
2. **Test**: the samples of bench.labels.label_ablation (captions of scenes
   700 000 onwards, SynthDataset's seeds 1111 onwards) labelled by the
   paper row and the best row (label mIoU against the colour oracle);
   the best row's SynthDataset cache; DeepLabV3-R18 trainings of both rows
   and of the real scenes, for each seed, tested on real scenes. The
   paper row's cache and runs are bench.labels.label_ablation's own (its row
   e or e_tau1, same folders): either bench reads the other's results.
3. **Held-out** (``--heldout N``): captions of scenes 900 000 onwards with
   up to 4 objects (``render_scene(max_objects=4)``), generation seeds
   900 000 onwards: label mIoU of the paper and best rows.

    python -m bench.labels.label_beyond --models mmdd::shapes-t2i \\
        --seeds 0 1 2

Prints markdown tables and the time of each stage.
"""
import argparse
import os.path as osp
import time

from bench.labels.beyond_labels import fmt_score, model_labels, model_tables
from bench.labels.downstream import (Downstream, prepare_work, summarise,
                                     with_saved_runs)
from mmdd.utils.cli import add_options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(parser, 'models',
                models=['mmdd::shapes-t2i', 'mmdd::shapes-t2i-sd'])
    parser.add_argument('--val-samples', type=int, default=100)
    add_options(parser, 'samples', samples=200)
    parser.add_argument('--heldout', type=int, default=0,
                        help='held-out samples (up to 4 objects); 0: none')
    add_options(parser, 'batch-size', 'seeds', 'iters', 'real-train', 'test',
                'workers', 'skip-downstream', real_train=200)
    parser.add_argument(
        '--train-rows', nargs='+', default=['paper',
                                            'best'], choices=['paper', 'best'],
        help='rows that train (the others, and the real baseline with '
        '--skip-real, are read back from earlier runs when there)')
    parser.add_argument('--skip-real', action='store_true')
    add_options(parser, 'work-dir', work_dir='work_dirs/bench_beyond')
    args = parser.parse_args()
    # What label_ablation's helpers read from their own arguments.
    args.taus, args.pictures_rows, args.downstream_rows = [1, 2, 4], 0, None

    begin = time.time()
    work, data_root, prompts, grid = prepare_work(args)
    reports, done = {}, Downstream(args, data_root)
    done.add_real(osp.join(work, 'real'))
    for model in args.models:
        model_work = osp.join(work, model.split('::')[-1])
        report, rows, caches = model_labels(args, model, model_work, prompts)
        grid.add_model(model, rows, caches, model_work)
        done.add_model(model, rows, caches, model_work)
        reports[model] = report
    # Runs left out by --train-rows / --skip-real: read back, never trained.
    for key in list(grid.first):
        row = 'real' if key[0] == 'real' else (
            'best' if key[1] == 'best' else 'paper')
        if (row == 'real'
                and args.skip_real) or (row != 'real'
                                        and row not in args.train_rows):
            del grid.first[key]
    labels_min = (time.time() - begin) / 60
    start = time.time()
    results = {} if args.skip_downstream else grid.run()
    down_min = (time.time() - start) / 60
    results = with_saved_runs(done, results)
    real = summarise(results, 'real').get(None)
    print(f'\nLabels {labels_min:.1f} min, downstream {down_min:.1f} min '
          f'({args.workers} workers, {args.iters} iterations, seeds '
          f'{args.seeds}); whole run {(time.time() - begin) / 60:.1f} min')
    for model, report in reports.items():
        print(f'{model}: ' +
              ', '.join(f'{stage} {seconds / 60:.1f} min'
                        for stage, seconds in report[-1].items()))
    print(f'real ({args.real_train} scenes): {real}\n')
    for model, (scores, best, test, heldout, key, _) in reports.items():
        print(
            model_tables(model, scores, best, test, summarise(results, model),
                         real, key))
        if heldout:
            print(f'\nheld-out ({args.heldout} samples, up to 4 objects): '
                  f'paper {fmt_score(heldout["paper"])}, best '
                  f'{fmt_score(heldout["best"])}')
        print()


if __name__ == '__main__':
    main()
