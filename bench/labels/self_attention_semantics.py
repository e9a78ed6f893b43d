"""Is a shapes model's self-attention semantic? (CPU, about a minute.)

Self-attention exponentiation (S^tau times the class maps) sharpens labels
only when a pixel attends mostly to pixels of its own object. For each
model, N samples are generated with mmdd's generator; their recorded
self-attention is scored against the colour oracle of the generated image
with :func:`mmdd.shapes.fidelity.same_class_attention`: the share of a
foreground pixel's attention on its own class against that class's share
of the image (1.0x: no better than uniform attention), and how many keys
a query attends to (:func:`mmdd.shapes.fidelity.attention_spread`: the
perplexity of its row as a share of the grid; 100 %: uniform).

    python -m bench.labels.self_attention_semantics
    python -m bench.labels.self_attention_semantics --models work_dirs/my-model
"""
import argparse
import time

import numpy as np

from mmdd.utils.cli import add_options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(
        parser, 'models', 'samples', samples=8,
        models=['mmdd::shapes-t2i', 'mmdd::shapes-t2i-sd', 'mmdd::shapes-dit'])
    parser.add_argument(
        '--self-attention-factor', type=int, default=None,
        help='read self-attention at latent size / this (2: the coarse '
        'level; default: the model\'s shapes config, 1 for the UNets, 2 '
        'for the transformer\'s 16x16 tokens)')
    args = parser.parse_args()

    from mmdd.diffusion import LabelledImageGenerator, load_pipeline
    from mmdd.shapes.fidelity import (attention_spread,
                                      model_generation_config,
                                      same_class_attention, shapes_requests)
    from mmdd.shapes.world import SHAPES_CLASSES, oracle_label
    lines = [
        '| model | self-attention grid | own-class attention | own-class '
        'share of the image | ratio | keys attended |',
        '| --- | --- | --- | --- | --- | --- |'
    ]
    for model in args.models:
        start = time.time()
        pipeline = load_pipeline(model, 'fp32')
        factor = {} if args.self_attention_factor is None else dict(
            self_attention_factor=args.self_attention_factor)
        generator = LabelledImageGenerator(
            pipeline, SHAPES_CLASSES,
            model_generation_config(pipeline, **factor))
        samples = generator.generate(
            shapes_requests(args.samples), keep_attention=True)
        scores = np.array([
            same_class_attention(s.attention.self_attention,
                                 oracle_label(s.image)) for s in samples
        ])
        mass, share = scores.mean(0)
        spread = np.mean(
            [attention_spread(s.attention.self_attention) for s in samples])
        grid = 'x'.join(map(str, generator.self_size))
        lines.append(f'| {model} | {grid} | {mass:.3f} | {share:.3f} | '
                     f'{mass / share:.2f}x | {spread:.1%} |')
        print(f'{model}: {args.samples} samples, {time.time() - start:.0f} s',
              flush=True)
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
