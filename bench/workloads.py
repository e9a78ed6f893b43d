"""The same batch generated each way the benchmarks compare.

- ``plain``: the unmodified diffusers pipeline ``__call__`` (images only);
- ``labelled``: ``LabelledImageGenerator.generate`` (images, labels and
  confidence);
- ``reference``: the plain pipeline inside the paper code's attention-store
  pattern (:mod:`attention_store_probe`), added by the GPU rehearsal.

All use the same prompts (caption + class prompt), negative prompt, steps,
guidance, batch and per-sample seeds.
"""
from typing import Callable, Dict, List

import numpy as np
import torch

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            SampleRequest)
from mmdd.prompts import VOC_CLASSES, append_class_prompt

CAPTIONS = [
    ('a dog sleeping on a couch in a living room', [12, 18]),
    ('a man riding a horse on a beach', [15, 13]),
    ('a potted plant next to a television on a table', [16, 20, 11]),
    ('an aeroplane parked at the airport', [1]),
]


def requests_for(batch: int, seed: int) -> List[SampleRequest]:
    return [
        SampleRequest(*CAPTIONS[i % len(CAPTIONS)], seed + i)
        for i in range(batch)
    ]


def generation_runs(pipeline, batch: int, steps: int, seed: int = 1111,
                    guidance: float = 7.5) -> Dict[str, Callable]:
    """``{'plain': ..., 'labelled': ...}``, each generating one batch."""
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
