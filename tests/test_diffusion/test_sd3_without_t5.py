"""Issue 36, finding 3: SD3 with ``text_encoder_3=None`` but ``tokenizer_3``
kept. diffusers then feeds zero T5 states, so no T5 position may count as
a class column: labels equal those of a pipeline with neither.

Only the public API is used, so the same file runs against older trees.
"""
import numpy as np
import pytest
from diffusers import StableDiffusion3Pipeline

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            SampleRequest)
from mmdd.testing import build_random_dit_pipeline

CLASSES = ['background', 'cat', 'dog']
REQUEST = SampleRequest('a cat and a dog', [1, 2], 0)
SOURCES = ('class_prompt', 'text', 'concept')


@pytest.fixture(scope='module')
def sd3():
    return build_random_dit_pipeline('sd3-tiny')


def without(sd3, *parts):
    pipeline = StableDiffusion3Pipeline(
        **dict(sd3.components, **{part: None
                                  for part in parts}))
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def recorded(pipeline):
    generator = LabelledImageGenerator(
        pipeline, CLASSES,
        GenerationConfig(num_inference_steps=2, height=64, width=64,
                         max_sequence_length=16, tau=0))
    sample, = generator.generate([REQUEST], keep_attention=True)
    return generator, sample


def test_a_kept_t5_tokenizer_adds_no_class_column(sd3):
    _, tokenizer_kept = recorded(without(sd3, 'text_encoder_3'))
    _, both_dropped = recorded(without(sd3, 'text_encoder_3', 'tokenizer_3'))
    kept, dropped = tokenizer_kept.attention, both_dropped.attention
    # 'cat' and 'dog' are one CLIP token each: one class-prompt column each,
    # as with neither part; no T5 position is counted.
    assert kept.positions == dropped.positions == [[1], [2]]
    assert kept.text_positions == dropped.text_positions
    assert kept.cross.shape == dropped.cross.shape
    assert np.array_equal(tokenizer_kept.image, both_dropped.image)


def test_labels_equal_the_fully_dropped_case_for_every_source(sd3):
    results = [
        recorded(without(sd3, *parts))
        for parts in (('text_encoder_3', ), ('text_encoder_3', 'tokenizer_3'))
    ]
    for source in SOURCES:
        labels = [
            generator.label(sample.attention, label_source=source,
                            image=sample.image)
            for generator, sample in results
        ]
        for a, b in zip(*labels):  # label, confidence
            assert np.array_equal(a, b), source


def test_a_t5_encoder_without_its_tokenizer_is_refused(sd3):
    with pytest.raises(ValueError, match='text_encoder_3 .*tokenizer_3'):
        recorded(without(sd3, 'tokenizer_3'))
