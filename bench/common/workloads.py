"""The same batch generated each way the benchmarks compare.

- ``plain``: the unmodified diffusers pipeline ``__call__`` (images only);
- ``labelled``: ``LabelledImageGenerator.generate`` (images, labels and
  confidence); for a diffusion transformer (SD3 / SD3.5, FLUX.1) one such
  variant per label source, named by it (``class_prompt``, ``text``,
  ``concept``);
- ``reference``: the plain pipeline inside the paper code's attention-store
  pattern (:mod:`bench.overhead.attention_store_probe`), added by the GPU
  rehearsal.

All use the same prompts (caption + class prompt), negative prompt (none
for FLUX), steps, guidance, batch, per-sample seeds and, for a diffusion
transformer, image size and T5 length.
"""
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            SampleRequest)
from mmdd.diffusion.generation_config import LABEL_SOURCES
from mmdd.prompts import VOC_CLASSES, append_class_prompt

CAPTIONS = [
    ('a dog sleeping on a couch in a living room', [12, 18]),
    ('a man riding a horse on a beach', [15, 13]),
    ('a potted plant next to a television on a table', [16, 20, 11]),
    ('an aeroplane parked at the airport', [1]),
]


def label_sources_option(what: str) -> Dict:
    """``add_argument`` keywords of ``--label-sources``: a diffusion
    transformer's labelled variants (default all), ``what`` each does."""
    return dict(
        nargs='+', default=list(LABEL_SOURCES), choices=LABEL_SOURCES,
        help="a diffusion transformer's labelled variants, " + what +
        ' (default: all)')


def requests_for(batch: int, seed: int) -> List[SampleRequest]:
    return [
        SampleRequest(*CAPTIONS[i % len(CAPTIONS)], seed + i)
        for i in range(batch)
    ]


def labelled_variants(runs: Dict[str, Callable]) -> List[str]:
    """The labelled variants of ``runs``: ``labelled`` (a UNet) or one per
    label source (a diffusion transformer)."""
    return [name for name in runs if name not in ('plain', 'reference')]


def generation_runs(
        pipeline, batch: int, steps: int, seed: int = 1111,
        guidance: float = 7.5, label_sources: Optional[Sequence[str]] = None,
        size: Optional[int] = None,
        max_sequence_length: Optional[int] = None) -> Dict[str, Callable]:
    """``{'plain': ..., 'labelled': ...}``, each generating one batch; for
    a diffusion transformer ``{'plain': ..., SOURCE: ...}`` for each of
    ``label_sources`` (default all), at ``size`` px (default the
    pipeline's) with T5 cut at ``max_sequence_length``."""
    if hasattr(pipeline, 'transformer'):
        return dit_generation_runs(pipeline, batch, steps, seed, guidance,
                                   label_sources or LABEL_SOURCES, size,
                                   max_sequence_length)
    config = GenerationConfig(num_inference_steps=steps,
                              guidance_scale=guidance)
    generator = LabelledImageGenerator(pipeline, VOC_CLASSES, config)
    requests = requests_for(batch, seed)
    texts = [
        append_class_prompt(r.caption, [VOC_CLASSES[c] for c in r.class_ids])
        for r in requests
    ]

    def plain() -> np.ndarray:
        images = pipeline(
            prompt=texts,
            negative_prompt=[config.negative_prompt] * len(texts),
            height=generator.height, width=generator.width,
            num_inference_steps=steps, guidance_scale=guidance, generator=[
                torch.Generator().manual_seed(r.seed) for r in requests
            ], output_type='np').images
        return (images * 255).round().astype(np.uint8)  # as generate()

    def labelled() -> List:
        return generator.generate(requests)

    return {'plain': plain, 'labelled': labelled}


def dit_generation_runs(
        pipeline, batch: int, steps: int, seed: int, guidance: float,
        label_sources: Sequence[str], size: Optional[int],
        max_sequence_length: Optional[int]) -> Dict[str, Callable]:
    """SD3 / SD3.5 or FLUX.1: the plain pipeline and one labelled run per
    label source."""
    generators = {
        source:
        LabelledImageGenerator(
            pipeline, VOC_CLASSES,
            GenerationConfig(num_inference_steps=steps,
                             guidance_scale=guidance, height=size, width=size,
                             label_source=source,
                             max_sequence_length=max_sequence_length))
        for source in label_sources
    }
    first = next(iter(generators.values()))
    requests = requests_for(batch, seed)
    texts = [
        append_class_prompt(r.caption, [VOC_CLASSES[c] for c in r.class_ids])
        for r in requests
    ]
    # The negative prompt only where the pipeline has a negative branch
    # (SD3's CFG batch; FLUX is guidance-distilled).
    negative = (
        dict(negative_prompt=[first.config.negative_prompt] *
             len(texts)) if first.text.uses_negative else {})

    def plain() -> np.ndarray:
        images = pipeline(
            prompt=texts, **negative, height=first.height, width=first.width,
            num_inference_steps=steps, guidance_scale=guidance, generator=[
                torch.Generator().manual_seed(r.seed) for r in requests
            ], output_type='np',
            max_sequence_length=first.text.t5_length).images
        return (images * 255).round().astype(np.uint8)  # as generate()

    runs = {'plain': plain}
    for source, generator in generators.items():
        runs[source] = (lambda g=generator: g.generate(requests))
    return runs
