"""Are mmdd's attention labels right? The shapes-world benchmark (CPU).

1. Label fidelity: N samples generated through mmdd's generator from the
   shipped shapes model; their attention labels are scored against an
   oracle segmentation of the *generated* images (flat-colour shapes: by
   colour), for tau in {0, 1, 2, 4}, with and without the uncertain band,
   at 25 and 100 denoising steps. One denoising pass per sample and step
   count; every labelling is read from the same recorded attention.
2. Downstream: the same DeepLabV3-R18 trained through mmengine's Runner on
   (a) the synthetic set (SynthDataset from the shapes model) and (b) real
   procedural scenes, both evaluated on the real test split.

    python -m bench.labels.label_quality              # everything (~25 min)
    python -m bench.labels.label_quality --skip-downstream --samples 32

Prints markdown tables (pasted into docs/benchmarks.md).
"""
import argparse
import os
import os.path as osp
import time
from typing import List

import numpy as np
from PIL import Image

from bench.common.segmenter_runs import (REAL_CONFIG, SYNTH_CONFIG,
                                         shapes_config, train_and_test,
                                         write_real_splits)
from mmdd.shapes import DEFAULT_MODEL
from mmdd.shapes.fidelity import (Labelling, label_fidelity,
                                  shapes_generation_config, shapes_requests)
from mmdd.shapes.world import SHAPES_CLASSES, SHAPES_PALETTE
from mmdd.utils.cli import add_options


def labellings(taus: List[int], foreground: float,
               uncertain: float) -> List[Labelling]:
    """Each tau with the paper's band, and with one threshold in the
    middle of the band instead (no uncertain region)."""
    middle = round((foreground + uncertain) / 2, 3)
    return [
        Labelling(tau, f, u) for tau in taus
        for f, u in ((foreground, uncertain), (middle, middle))
    ]


def fidelity(args) -> str:
    from mmdd.diffusion import LabelledImageGenerator, load_pipeline
    from mmdd.visualization import label_strip
    pipeline = load_pipeline(args.model, 'fp32', args.device)
    requests = shapes_requests(args.samples)
    lines = [
        '| steps | labelling | mIoU | precision | ignored |',
        '| --- | --- | --- | --- | --- |'
    ]
    for steps in args.steps:
        config = shapes_generation_config(
            num_inference_steps=steps, guidance_scale=args.guidance,
            self_attention_factor=args.self_attention_factor)
        generator = LabelledImageGenerator(pipeline, SHAPES_CLASSES, config)
        start = time.time()
        scores, kept = label_fidelity(
            generator, requests,
            labellings(args.taus, config.foreground_threshold,
                       config.uncertain_threshold), batch_size=args.batch_size,
            keep=args.pictures_rows)
        seconds = time.time() - start
        for labelling, score in scores.items():
            lines.append(f'| {steps} | {labelling.name} | '
                         f'{100 * score.miou:.1f} | '
                         f'{100 * score.precision:.1f} | '
                         f'{100 * score.ignored:.1f}% |')
        grids = ', '.join(f'{name}-attention ' + 'x'.join(map(str, size))
                          for name, size in (('self', generator.self_size),
                                             ('cross', generator.cross_size)))
        print(
            f'{steps} steps: {len(requests)} samples in {seconds:.0f} s '
            f'({grids})', flush=True)
        if args.pictures and steps == args.steps[0]:
            rows = [
                label_strip(sample.image, [truth, sample.label],
                            SHAPES_PALETTE) for sample, truth in kept
            ]
            os.makedirs(osp.dirname(osp.abspath(args.pictures)), exist_ok=True)
            Image.fromarray(np.concatenate(rows)).save(args.pictures)
            print(f'pictures (image | oracle | attention label): '
                  f'{args.pictures}')
    return '\n'.join(lines)


def downstream(args) -> str:
    from mmdd.shapes.prompts import write_shapes_prompts
    work = osp.abspath(args.work_dir)
    data_root = write_real_splits(work, args.real_train, args.test)
    prompts = write_shapes_prompts(
        osp.join(work, 'prompts.jsonl'), args.synthetic)
    results = {}
    for name, config, extra in (('real', REAL_CONFIG, {}),
                                ('synthetic', SYNTH_CONFIG,
                                 dict(model=args.model,
                                      prompts_file=str(prompts),
                                      cache_dir=osp.join(work, 'synth'),
                                      num_samples=args.synthetic))):
        start = time.time()
        results[name] = train_and_test(
            shapes_config(config, osp.join(work, name), args.iters, data_root,
                          extra))
        print(
            f'{name}: mIoU {results[name]["mIoU"]:.1f} '
            f'({time.time() - start:.0f} s)', flush=True)
    real, synth = results['real']['mIoU'], results['synthetic']['mIoU']
    return '\n'.join([
        '| training data | images | test mIoU |', '| --- | --- | --- |',
        f'| real procedural scenes (upper bound) | {args.real_train} | '
        f'{real:.1f} |',
        f'| mmdd synthetic (shapes model) | {args.synthetic} | {synth:.1f} |',
        f'| synthetic / real | | {100 * synth / real:.1f}% |'
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(
        parser, 'model', 'device', 'samples', samples=96, model=dict(
            default=DEFAULT_MODEL, help='diffusers folder or hub id '
            'of the t2i model (default: the shipped shapes-t2i)'))
    parser.add_argument('--steps', type=int, nargs='+', default=[25, 100])
    parser.add_argument('--taus', type=int, nargs='+', default=[0, 1, 2, 4])
    add_options(parser, 'guidance', 'batch-size',
                guidance=shapes_generation_config().guidance_scale)
    parser.add_argument(
        '--self-attention-factor', type=int, default=1,
        help='read self-attention at latent size / this (2: the '
        'coarse level, where the model has self-attention there)')
    parser.add_argument('--pictures', default=None,
                        help='PNG of samples: image | oracle | label')
    add_options(parser, 'pictures-rows')
    parser.add_argument('--skip-fidelity', action='store_true')
    add_options(parser, 'skip-downstream', 'work-dir', 'iters', 'synthetic',
                'real-train', 'test', work_dir='work_dirs/bench_label_quality')
    args = parser.parse_args()
    tables = []
    if not args.skip_fidelity:
        tables.append(
            'Label fidelity against the oracle, '
            f'{args.samples} samples, guidance {args.guidance}:\n\n' +
            fidelity(args))
    if not args.skip_downstream:
        tables.append(f'Downstream, DeepLabV3-R18, {args.iters} iterations '
                      f'x batch 8, tested on {args.test} real scenes:\n\n' +
                      downstream(args))
    print('\n\n'.join(tables))


if __name__ == '__main__':
    main()
