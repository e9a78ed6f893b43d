"""Calibrated read-out against the oracle's choice, on the shapes models.

docs/benchmarks.md, "Calibrated read-out against the oracle's choice"
(issue 31, part 2). For each model:

1. **Paper and oracle rows**: bench.labels.label_beyond's own steps
   (:func:`bench.labels.beyond_labels.model_labels`): the config's
   labelling ("paper", label_ablation's row e or e_tau1) and the best row
   chosen on generated validation scenes against their colour-oracle
   labels (an oracle users never have), each with its SynthDataset cache
   of ``--num-synthetic`` samples and its label mIoU on those samples and
   on ``--heldout`` generated scenes of up to 4 objects.
2. **Calibrated row**: the read-out calibrated on ``--num-calibration``
   real scenes with exact labels (``render_scene`` seeds 450 000 onwards,
   which no split, config or other benchmark uses) with
   :func:`mmdd.diffusion.calibration.calibrate`, then its cache and label
   scores as for the other rows.
3. **Downstream**: DeepLabV3-R18 trained ``--iters`` on each row's cache
   and on ``--real-train`` real scenes, for each seed, tested on
   ``--test`` real scenes (bench.labels.downstream, bench.common.
   segmenter_runs: finished runs are read back, not repeated).

    python -m bench.labels.calibrated --seeds 0 1 2 --iters 600

Prints the table (also written to ``--out``), the calibrations' candidate
counts and times, and the time of each stage.
"""
import argparse
import os.path as osp
import time
from pathlib import Path

from bench.labels.ablation_labels import GENERATION_CONFIGS, model_settings
from bench.labels.beyond_labels import model_labels
from bench.labels.beyond_search import BeyondRow
from bench.labels.calibrated_report import (SettingsRow, calibration_lines,
                                            results_table)
from bench.labels.calibrated_rows import calibrate_model, calibrated_labels
from bench.labels.downstream import prepare_work, summarise, with_saved_runs
from mmdd.utils.cli_options import add_options, positive_int

# This bench's own options: flag, default, meaning.
OWN_OPTIONS = (
    ('--num-synthetic', 400, 'generated samples per row, trained on'),
    ('--num-calibration', 32, 'real scenes to calibrate on'),
    ('--calibration-steps', 4, 'timesteps read per calibration image'),
    ('--val-samples', 100, "label_beyond's validation samples, on which the "
     'oracle chooses'),
    ('--heldout', 100, 'held-out samples (up to 4 objects); 0: none'),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(parser, 'models', models=list(GENERATION_CONFIGS))
    for flag, default, meaning in OWN_OPTIONS:
        parser.add_argument(
            flag, type=int if flag == '--heldout' else positive_int,
            default=default, metavar='N',
            help=f'{meaning} (default: %(default)s)',
            **(dict(dest='samples') if flag == '--num-synthetic' else {}))
    add_options(
        parser, 'batch-size', 'seeds', 'iters', 'real-train', 'test',
        'workers', 'skip-downstream', 'work-dir', 'out', batch_size=8,
        work_dir='work_dirs/bench_calibrated',
        out=dict(help='markdown file of the table (default: '
                 'calibrated.md in --work-dir)'))
    args = parser.parse_args()
    # What label_ablation's and label_beyond's helpers read from theirs.
    args.taus, args.pictures_rows, args.downstream_rows = [1, 2, 4], 0, None
    return args


def loader(model: str, torch_dtype: str):
    """``load()`` -> the model's CPU pipeline, loaded on the first call."""
    loaded = []

    def load():
        from mmdd.diffusion import load_pipeline
        if not loaded:
            loaded.append(load_pipeline(model, torch_dtype, 'cpu'))
        return loaded[0]

    return load


def main() -> None:
    from mmdd.datasets.synth_generation import read_prompt_records
    from mmdd.shapes.world import SHAPES_CLASSES
    args = parse_args()
    begin = time.time()
    work, data_root, prompts, grid = prepare_work(args)
    records = read_prompt_records(prompts, SHAPES_CLASSES)[:args.samples]
    rows, calibrations, label_minutes = {}, {}, {}
    for model in args.models:
        start = time.time()
        model_work = osp.join(work, model.split('::')[-1])
        report, beyond_rows, caches = model_labels(args, model, model_work,
                                                   prompts)
        _, best, test, heldout, paper_key, _ = report
        settings = model_settings(model)
        base, load = settings['generation'], loader(model,
                                                    settings['torch_dtype'])
        calibration = calibrate_model(load, model, base, model_work,
                                      args.num_calibration,
                                      args.calibration_steps, args.batch_size)
        row = BeyondRow('calibrated', calibration['changes'])
        caches.open([row])
        scores = calibrated_labels(load, model, base, row, caches, records,
                                   args.heldout, args.batch_size)
        grid.add_model(model, beyond_rows + [row], caches, model_work)
        held = heldout or {}
        rows[model] = [
            SettingsRow("paper (the config's)", paper_key, {},
                        test['paper'].miou,
                        getattr(held.get('paper'), 'miou', None)),
            SettingsRow("oracle's choice (label_beyond)", 'best', best,
                        test['best'].miou,
                        getattr(held.get('best'), 'miou', None)),
            SettingsRow('calibrated', 'calibrated', row.changes,
                        scores['test'], scores['heldout']),
        ]
        calibrations[model] = calibration
        label_minutes[model] = (time.time() - start) / 60
    start = time.time()
    results = {} if args.skip_downstream else grid.run()
    down_minutes = (time.time() - start) / 60
    results = with_saved_runs(grid, results)
    real = summarise(results, 'real').get(None)
    down = {model: summarise(results, model) for model in args.models}
    table = results_table(rows, down, real, args.real_train)
    lines = calibration_lines(calibrations)
    print('\nLabels and calibration: ' +
          ', '.join(f'{m} {t:.1f} min' for m, t in label_minutes.items()) +
          f'; downstream {down_minutes:.1f} min ({args.workers} workers, '
          f'{args.iters} iterations, seeds {args.seeds}); whole run '
          f'{(time.time() - begin) / 60:.1f} min\n')
    print(table + '\n\nCalibrations:\n' + lines)
    out = args.out or Path(work) / 'calibrated.md'
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(
        f'{args.samples} synthetic samples per row, {args.iters} iterations,'
        f' seeds {args.seeds}, {args.test} real test scenes, '
        f'{args.heldout} held-out samples.\n\n{table}\n\nCalibrations:\n'
        f'{lines}\n')
    print(f'\nwritten: {out}')


if __name__ == '__main__':
    main()
