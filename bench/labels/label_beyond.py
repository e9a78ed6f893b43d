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
2. **Test**: the samples of bench/label_ablation.py (captions of scenes
   700 000 onwards, SynthDataset's seeds 1111 onwards) labelled by the
   paper row and the best row (label mIoU against the colour oracle);
   the best row's SynthDataset cache; DeepLabV3-R18 trainings of both rows
   and of the real scenes, for each seed, tested on real scenes. The
   paper row's cache and runs are bench/label_ablation.py's own (its row
   e or e_tau1, same folders): either bench reads the other's results.
3. **Held-out** (``--heldout N``): captions of scenes 900 000 onwards with
   up to 4 objects (``render_scene(max_objects=4)``), generation seeds
   900 000 onwards: label mIoU of the paper and best rows.

    python bench/label_beyond.py --models mmdd::shapes-t2i --seeds 0 1 2

Prints markdown tables and the time of each stage.
"""
import argparse
import json
import os.path as osp
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from ablation_rows import ablation_rows  # noqa: E402
from label_ablation import label_rows  # noqa: E402
from label_ablation import (DIT_MODELS, Downstream, model_settings,
                            prepare_work, summarise)

VAL_SEED = 800_000
HELDOUT_SEED = 900_000
# Label-time candidates, by family: one setting changed from the paper row.
POSTHOC = {
    'refined_weight': [dict(refined_weight=w) for w in (0.75, 0.5, 0.25)],
    'normalisation': [dict(normalisation='max')],
    'guided_filter': [
        dict(guided_filter_radius=r, guided_filter_eps=e)
        for r in (2, 3, 4, 6, 8) for e in (1e-3, 1e-2, 1e-1)
    ],
}
# A diffusion transformer's: ConceptAttention (the output-space image ->
# concept scores, class names appended as the paper row's prompts).
# Its tau too: the paper's 4 was set on UNets, never on a transformer.
DIT_POSTHOC = dict(POSTHOC, label_source=[dict(label_source='concept')],
                   tau=[dict(tau=1), dict(tau=2)])


def posthoc(model: str) -> Dict[str, list]:
    """The label-time candidates of ``model``, by family."""
    return DIT_POSTHOC if model in DIT_MODELS else POSTHOC


@dataclass(frozen=True)
class BeyondRow:
    """A labelling: the paper row's settings plus ``changes`` (shaped like
    an ablation Row, so RowCaches and Downstream take it)."""
    key: str
    changes: Dict = field(default_factory=dict, hash=False, compare=False)
    training: str = 'ignore'

    @property
    def label_key(self) -> str:
        return self.key

    @property
    def step(self) -> str:
        return ', '.join(
            f'{k}={v}'
            for k, v in self.changes.items()) or ("the config's labels")

    def generation(self, base: Dict) -> Dict:
        return dict(base, **self.changes)


def describe(changes: Dict) -> str:
    return ', '.join(f'{k}={v}' for k, v in changes.items())


def recordings(settings: Dict, dit_layers: int = 0) -> Dict[str, Dict]:
    """Recording-time candidates (each needs its own generation pass).
    ``dit_layers``: a diffusion transformer's joint blocks, whose first
    half is one more candidate (the default reads the second half)."""
    found = {
        'record_mean': {},
        'steps_linear': dict(step_weighting='linear'),
        'layers_sharpness': dict(layer_weighting='sharpness'),
    }
    fine = settings.get('self_attention_factor', 2)
    if settings.get('cross_attention_factor', 4) != fine:
        found['cross_fine'] = dict(cross_attention_factor=fine)
    if dit_layers:
        found['blocks_first_half'] = dict(
            dit_blocks=list(range(dit_layers // 2)))
    return found


def recording_part(changes: Dict) -> Dict:
    keys = ('step_weighting', 'layer_weighting', 'cross_attention_factor',
            'dit_blocks')
    return {k: v for k, v in changes.items() if k in keys}


class Pass:
    """One generation pass with attention kept: every sample's image,
    attention and colour-oracle truth, labelled again by any row."""

    def __init__(self, pipeline, base: Dict, recording: Dict, requests,
                 batch_size: int):
        from mmdd.diffusion import GenerationConfig, LabelledImageGenerator
        from mmdd.shapes.world import SHAPES_CLASSES, oracle_label
        self.base, self.recording = base, recording
        self.generator = LabelledImageGenerator(
            pipeline, SHAPES_CLASSES,
            GenerationConfig(**dict(base, **recording)))
        self.samples = []
        start = time.time()
        for first in range(0, len(requests), batch_size):
            for sample in self.generator.generate(
                    requests[first:first + batch_size], keep_attention=True):
                self.samples.append((sample, oracle_label(sample.image)))
        self.seconds = time.time() - start

    def labels(self, changes: Dict):
        from mmdd.diffusion import GenerationConfig
        config = GenerationConfig(**dict(self.base, **changes))
        for sample, truth in self.samples:
            label, confidence = self.generator.label(sample.attention,
                                                     image=sample.image,
                                                     config=config)
            yield sample, label, confidence, truth

    def score(self, changes: Dict):
        from mmdd.shapes.confusion import ConfusionCounter
        from mmdd.shapes.world import SHAPES_CLASSES
        counter = ConfusionCounter(len(SHAPES_CLASSES), 255)
        for _, label, _, truth in self.labels(changes):
            counter.add(label, truth)
        return counter.score()


def requests_from_scenes(count: int, first: int, max_objects: int = 3):
    from mmdd.diffusion import SampleRequest
    from mmdd.shapes.world import render_scene
    scenes = (
        render_scene(first + i, max_objects=max_objects) for i in range(count))
    return [
        SampleRequest(s.caption, s.class_ids, first + i)
        for i, s in enumerate(scenes)
    ]


def choose(passes: Dict[str, Pass], rec: Dict[str, Dict],
           candidates: Dict[str, list]) -> tuple:
    """Validation scores of every single change, and the greedy best."""
    scores = {'paper': passes['record_mean'].score({})}
    family_best = {}  # family -> (gain, changes)
    paper = scores['paper'].miou
    for name, changes in rec.items():
        if name != 'record_mean':
            scores[describe(changes)] = passes[name].score({})
            family_best.setdefault('recording', []).append(
                (scores[describe(changes)].miou - paper, changes))
    for family, options in candidates.items():
        for changes in options:
            key = describe(changes)
            scores[key] = passes['record_mean'].score(changes)
            family_best.setdefault(family, []).append(
                (scores[key].miou - paper, changes))
    order = sorted(family_best,
                   key=lambda f: -max(g for g, _ in family_best[f]))
    best, best_miou = {}, paper
    for family in order:
        for _, changes in sorted(family_best[family], key=lambda t: -t[0]):
            trial = dict(best, **changes)
            if _pass_name(rec, trial) is None:  # two recording changes
                continue
            miou = passes[_pass_name(rec, trial)].score(trial).miou
            if miou > best_miou:
                best, best_miou = trial, miou
    return scores, best, best_miou


def _pass_name(rec: Dict[str, Dict], changes: Dict) -> Optional[str]:
    """The validation pass that recorded as ``changes`` asks, if any."""
    part = recording_part(changes)
    for name, value in rec.items():
        if value == part:
            return name
    return None


def fmt_score(score) -> str:
    return '-' if score is None else f'{100 * score.miou:.1f}'


def model_tables(model: str, scores: Dict, best: Dict, test: Dict, down: Dict,
                 real: Optional[tuple], paper_key: str) -> str:
    lines = [
        f'**{model}** (paper row = its config = bench/label_ablation.py '
        f'row {paper_key})', '',
        '| change from the paper row | val label mIoU | test label '
        'mIoU | test mIoU (mean ± std) | / real |', '| --- | --- | --- | '
        '--- | --- |'
    ]

    def ratio(value):
        if value is None or real is None:
            return '-'
        return f'{100 * value[0] / real[0]:.1f}%'

    def fmt(value):
        return '-' if value is None else f'{value[0]:.1f} ± {value[1]:.1f}'

    for key, score in scores.items():
        if key == 'best':
            continue
        value = down.get(paper_key) if key == 'paper' else None
        name = "paper (the config's labels)" if key == 'paper' else key
        lines.append(f'| {name} | {fmt_score(score)} | '
                     f'{fmt_score(test.get(key))} | {fmt(value)} | '
                     f'{ratio(value)} |')
    row = BeyondRow('best', best)
    lines.append(f'| **best**: {row.step} | {fmt_score(scores.get("best"))}'
                 f' | {fmt_score(test.get("best"))} | '
                 f'{fmt(down.get("best"))} | {ratio(down.get("best"))} |')
    return '\n'.join(lines)


def model_labels(args, model: str, model_work: str, prompts: str) -> tuple:
    """Validation choice, test labels (the best row's cache) and held-out
    scores of one model; read back from ``beyond_scores.json`` when an
    earlier run with the same settings finished them."""
    from mmdd.datasets.synth_generation import read_prompt_records
    from mmdd.diffusion import SampleRequest, load_pipeline
    from mmdd.shapes.confusion import LabelScore
    from mmdd.shapes.world import SHAPES_CLASSES
    settings = model_settings(model)
    base = settings['generation']
    tau = base.get('tau', 4)
    paper = next(
        r for r in ablation_rows(tau)
        if r.band and r.training == 'ignore' and r.tau == tau)
    # The paper row's cache and scores: label_ablation's own.
    ablation_scores, _, caches = label_rows(args, model, model_work, [paper],
                                            prompts)
    saved_path = osp.join(model_work, 'beyond_scores.json')
    candidates = posthoc(model)
    run_settings = dict(val=args.val_samples, samples=args.samples,
                        heldout=args.heldout, posthoc=candidates)
    if osp.isfile(saved_path):
        with open(saved_path) as file:
            saved = json.load(file)
        if saved['settings'] == json.loads(json.dumps(run_settings)):
            print(f'{model}: labels from an earlier run ({saved_path})')
            best_row = BeyondRow('best', saved['best'])
            caches.open([paper, best_row])
            parts = [{
                k: LabelScore(**v)
                for k, v in saved[part].items()
            } for part in ('val', 'test', 'heldout')]
            return ((parts[0], saved['best'], parts[1], parts[2], paper.key,
                     saved['times']), [paper, best_row], caches)
    start = time.time()
    pipeline = load_pipeline(model, settings['torch_dtype'], 'cpu')
    transformer = getattr(pipeline, 'transformer', None)
    rec = recordings(base, transformer.config.num_layers if transformer else 0)
    val_requests = requests_from_scenes(args.val_samples, VAL_SEED)
    passes = {
        name: Pass(pipeline, base, changes, val_requests, args.batch_size)
        for name, changes in rec.items()
    }
    scores, best, best_miou = choose(passes, rec, candidates)
    scores['best'] = passes[_pass_name(rec, best)].score(best)
    del passes
    times = dict(validation=time.time() - start)
    print(
        f'{model}: validation ({len(rec)} passes of {args.val_samples}) '
        f'{times["validation"]:.0f} s; best {best} {100 * best_miou:.1f}',
        flush=True)

    start = time.time()
    records = read_prompt_records(prompts, SHAPES_CLASSES)
    test_requests = [
        SampleRequest(r.caption, r.class_ids(SHAPES_CLASSES),
                      caches.seed() + i)
        for i, r in enumerate(records[:args.samples])
    ]
    best_row = BeyondRow('best', best)
    caches.open([paper, best_row])
    mean_pass = Pass(pipeline, base, {}, test_requests, args.batch_size)
    test = {'paper': mean_pass.score({})}
    for family in candidates.values():
        for changes in family:
            test[describe(changes)] = mean_pass.score(changes)
    best_pass = (
        mean_pass if not recording_part(best) else Pass(
            pipeline, base, recording_part(best), test_requests,
            args.batch_size))
    test['best'] = best_pass.score(best)
    for index, (sample, label, confidence,
                _) in enumerate(best_pass.labels(best)):
        caches.write(index, sample, {'best': (label, confidence)},
                     records[index])
    del mean_pass, best_pass
    times['test'] = time.time() - start
    print(
        f'{model}: test labels {times["test"]:.0f} s (paper '
        f'{fmt_score(test["paper"])}, label_ablation '
        f'{fmt_score(ablation_scores.get(paper.key))}, best '
        f'{fmt_score(test["best"])})', flush=True)

    heldout = {}
    if args.heldout:
        start = time.time()
        held = requests_from_scenes(args.heldout, HELDOUT_SEED, 4)
        held_pass = Pass(pipeline, base, recording_part(best), held,
                         args.batch_size)
        plain = held_pass if not recording_part(best) else Pass(
            pipeline, base, {}, held, args.batch_size)
        heldout = dict(paper=plain.score({}), best=held_pass.score(best))
        times['heldout'] = time.time() - start
        print(
            f'{model}: held-out {args.heldout} samples (up to 4 '
            f'objects): paper {fmt_score(heldout["paper"])}, best '
            f'{fmt_score(heldout["best"])}, {times["heldout"]:.0f} s',
            flush=True)
    with open(saved_path, 'w') as file:
        json.dump(
            dict(
                settings=run_settings, best=best, times=times, **{
                    part: {
                        k: vars(v)
                        for k, v in values.items()
                    }
                    for part, values in (('val', scores), ('test', test),
                                         ('heldout', heldout))
                }), file)
    return ((scores, best, test, heldout, paper.key, times), [paper, best_row],
            caches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+',
                        default=['mmdd::shapes-t2i', 'mmdd::shapes-t2i-sd'])
    parser.add_argument('--val-samples', type=int, default=100)
    parser.add_argument('--samples', type=int, default=200)
    parser.add_argument('--heldout', type=int, default=0,
                        help='held-out samples (up to 4 objects); 0: none')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--iters', type=int, default=600)
    parser.add_argument('--real-train', type=int, default=200)
    parser.add_argument('--test', type=int, default=200)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--skip-downstream', action='store_true')
    parser.add_argument(
        '--train-rows', nargs='+', default=['paper',
                                            'best'], choices=['paper', 'best'],
        help='rows that train (the others, and the real baseline with '
        '--skip-real, are read back from earlier runs when there)')
    parser.add_argument('--skip-real', action='store_true')
    parser.add_argument('--work-dir', default='work_dirs/bench_beyond')
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
    for key, run in done.first.items():
        if key not in results and run.saved_miou() is not None:
            results[key] = run.saved_miou()
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
