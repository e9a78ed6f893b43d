"""ConceptAttention's two concept modulations on ``mmdd::shapes-dit``.

The label rows of bench.labels.label_ablation that read concepts (k_a: the
caption alone, k: class names appended), and c (the class prompt, which
the setting leaves alone) as a control, once per
``GenerationConfig.concept_modulation``; labels only, scored against the
colour oracle (no trainings). shapes-dit's pooled vector is zero (its
CLIP slots are empty), so there the two rules must agree; ``--random``
also reports how far the concept labels of the two rules agree, pixel by
pixel, on random-weight pipelines whose pooled vector is not zero:

    python -m bench.labels.concept_modulation --samples 64 \\
        --random flux-small
"""
import argparse
import os.path as osp
import time
from types import SimpleNamespace

from bench.labels.ablation_labels import label_rows, model_settings
from bench.labels.ablation_rows import PAPER_TAU, ablation_rows
from mmdd.diffusion.generation_config import CONCEPT_MODULATIONS
from mmdd.utils.cli import add_options

MODEL = 'mmdd::shapes-dit'
ROWS = ('c', 'k_a', 'k')


def modulated(modulation: str) -> dict:
    """The model's shipped settings with ``modulation`` added."""
    found = model_settings(MODEL)
    found['generation'] = dict(found['generation'],
                               concept_modulation=modulation)
    return found


def label_agreement(size: str, seeds: int = 10) -> float:
    """The share of pixels whose concept label is the same under both
    modulations, on a random ``size`` pipeline (``seeds`` samples)."""
    import numpy as np

    from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                                SampleRequest)
    from mmdd.testing import build_random_dit_pipeline
    pipeline = build_random_dit_pipeline(size)
    pipeline.set_progress_bar_config(disable=True)
    requests = [
        SampleRequest('a cat next to a dog on the grass', [1, 2], seed)
        for seed in range(seeds)
    ]
    labels = {}
    for modulation in CONCEPT_MODULATIONS:
        config = GenerationConfig(num_inference_steps=4, guidance_scale=4.0,
                                  label_source='concept', tau=0,
                                  concept_modulation=modulation)
        generator = LabelledImageGenerator(pipeline,
                                           ['background', 'cat', 'dog'],
                                           config)
        labels[modulation] = np.stack(
            [s.label for s in generator.generate(requests)])
    return float((labels['zero_pooled'] == labels['prompt']).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(parser, 'samples', 'batch-size', 'work-dir', samples=64,
                work_dir='work_dirs/bench_concept_modulation')
    parser.add_argument(
        '--random', nargs='*', default=[],
        help='random-weight DiT sizes (e.g. flux-small '
        'sd35-small) to compare the two rules on')
    args = parser.parse_args()
    from mmdd.shapes.prompts import write_shapes_prompts
    from mmdd.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    work = osp.abspath(args.work_dir)
    prompts = str(
        write_shapes_prompts(osp.join(work, 'prompts.jsonl'), args.samples))
    rows = [r for r in ablation_rows(PAPER_TAU, concept=True) if r.key in ROWS]
    bench = SimpleNamespace(samples=args.samples, batch_size=args.batch_size,
                            pictures_rows=0)
    lines = [
        '| concept_modulation | row | label mIoU | precision | time |',
        '| --- | --- | --- | --- | --- |'
    ]
    for modulation in CONCEPT_MODULATIONS:
        start = time.time()
        scores, _, _ = label_rows(bench, MODEL, osp.join(work, modulation),
                                  rows, prompts, modulated(modulation))
        minutes = (time.time() - start) / 60
        for row in rows:
            score = scores[row.key]
            lines.append(f'| {modulation} | {row.key} | '
                         f'{100 * score.miou:.1f} | '
                         f'{100 * score.precision:.1f} | {minutes:.1f} min |')
    print(f'\n{MODEL}, {args.samples} samples\n')
    print('\n'.join(lines))
    for size in args.random:
        start = time.time()
        share = label_agreement(size)
        print(f'{size}: concept labels agree on {100 * share:.1f} % of '
              f'pixels ({time.time() - start:.0f} s)')


if __name__ == '__main__':
    main()
