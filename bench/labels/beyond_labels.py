"""Labels beyond the paper, per model (bench.labels.label_beyond):
validation choice, test labels (the best row's cache) and held-out scores,
read back from ``beyond_scores.json`` when an earlier run with the same
settings finished them; and the model's table."""
import json
import os.path as osp
import time
from typing import Dict, Optional

from bench.labels.ablation_labels import label_rows, model_settings
from bench.labels.ablation_rows import ablation_rows
from bench.labels.beyond_search import (HELDOUT_SEED, VAL_SEED, BeyondRow,
                                        Pass, choose, describe, pass_name,
                                        posthoc, recording_part, recordings,
                                        requests_from_scenes)


def fmt_score(score) -> str:
    return '-' if score is None else f'{100 * score.miou:.1f}'


def model_labels(args, model: str, model_work: str, prompts: str) -> tuple:
    """Validation choice, test labels (the best row's cache) and held-out
    scores of one model; read back from ``beyond_scores.json`` when an
    earlier run with the same settings finished them; and the model's table."""
    from mmdd.datasets.synth_generation import read_prompt_records
    from mmdd.diffusion import SampleRequest, load_pipeline
    from mmdd.diffusion.labelling.confusion import LabelScore
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
    scores['best'] = passes[pass_name(rec, best)].score(best)
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


def model_tables(model: str, scores: Dict, best: Dict, test: Dict, down: Dict,
                 real: Optional[tuple], paper_key: str) -> str:
    lines = [
        f'**{model}** (paper row = its config = bench.labels.label_ablation '
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
