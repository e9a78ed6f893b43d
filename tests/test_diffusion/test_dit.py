"""SD3 / SD3.5 and FLUX.1: labels from joint attention, images unchanged.

Tiny random pipelines (``mmdd.testing.random_dit``): 64 px, 16x16 image
tokens. SD3.5's has QK RMS-norm and an image-only ``attn2`` in block 0;
FLUX's has two double-stream and two single-stream blocks.
"""
import hashlib
import inspect

import numpy as np
import pytest
import torch
from diffusers import FluxPipeline, StableDiffusion3Pipeline
from diffusers.models.attention_processor import JointAttnProcessor2_0
from diffusers.models.transformers.transformer_flux import FluxAttnProcessor

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            SampleRequest, load_pipeline)
from mmdd.diffusion.dit.layers import select_blocks
from mmdd.diffusion.dit.processors import (UPSTREAM_SHA256,
                                           SD3RecordingProcessor,
                                           record_dit_attention)
from mmdd.diffusion.dit.recorder import DiTRecorder
from mmdd.diffusion.labelling.labels import label_from_attention
from mmdd.diffusion.models.loading import pipeline_class
from mmdd.testing import build_random_dit_pipeline

CLASSES = ['background', 'cat', 'dog', 'potted plant']
REQUESTS = [
    SampleRequest('a photo of a cat on a table', [1], 1111),
    SampleRequest('a dog next to a potted plant', [2, 3], 1112),
]
SOURCES = ('class_prompt', 'text', 'concept')
UPSTREAM = (JointAttnProcessor2_0, FluxAttnProcessor)


@pytest.fixture(scope='module', params=['sd3-tiny', 'sd35-tiny', 'flux-tiny'])
def dit(request):
    pipeline = build_random_dit_pipeline(request.param)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def generator(pipeline, **config):
    config = {
        'num_inference_steps': 2,
        'height': 64,
        'width': 64,
        'max_sequence_length': 32,
        'guidance_scale': 4.0,
        **config
    }
    return LabelledImageGenerator(pipeline, CLASSES,
                                  GenerationConfig(**config))


def plain_images(pipeline, prompts, seeds, config):
    extra = {} if isinstance(pipeline, FluxPipeline) else dict(
        negative_prompt=[config.negative_prompt] * len(prompts))
    return pipeline(
        prompts, height=config.height, width=config.width,
        num_inference_steps=config.num_inference_steps,
        guidance_scale=config.guidance_scale,
        max_sequence_length=config.max_sequence_length,
        generator=[torch.Generator('cpu').manual_seed(s)
                   for s in seeds], output_type='np', **extra).images


def upstream_only(transformer) -> bool:
    return all(
        type(p) in UPSTREAM for p in transformer.attn_processors.values())


def test_text_is_encoded_as_the_pipeline_encodes_it(dit):
    gen = generator(dit)
    prompts = gen.text.sample_prompts('a photo of a cat', [], False)
    ours = gen.text.encode([[p.text_ids] for p in prompts])
    theirs = dit.encode_prompt(
        'a photo of a cat', None,
        *([None] if isinstance(dit, StableDiffusion3Pipeline) else []),
        max_sequence_length=32,
        **(dict(do_classifier_free_guidance=False) if isinstance(
            dit, StableDiffusion3Pipeline) else {}))
    assert torch.equal(ours.states, theirs[0])
    pooled = theirs[2] if isinstance(dit,
                                     StableDiffusion3Pipeline) else (theirs[1])
    assert torch.equal(ours.pooled, pooled)


@pytest.mark.parametrize('source', SOURCES)
def test_images_equal_the_plain_pipeline(dit, source):
    gen = generator(dit, label_source=source)
    samples = gen.generate(REQUESTS)
    plain = plain_images(dit, [s.prompt for s in samples],
                         [r.seed for r in REQUESTS], gen.config)
    for sample, image in zip(samples, plain):
        assert np.array_equal(sample.image,
                              (image * 255).round().astype(np.uint8))
        assert set(np.unique(sample.label)) <= {0, 1, 2, 3, 255}
    assert samples[0].label.shape == (64, 64)
    assert upstream_only(dit.transformer)


def test_concepts_label_a_caption_without_class_names(dit):
    """Concept tokens need no class names in the prompt: the image follows
    the caption alone and is still labelled."""
    gen = generator(dit, label_source='concept', append_class_prompt=False,
                    tau=0)
    sample, = gen.generate(REQUESTS[1:])
    assert sample.prompt == REQUESTS[1].caption
    image, = plain_images(dit, [REQUESTS[1].caption], [1112], gen.config)
    assert np.array_equal(sample.image, (image * 255).round().astype(np.uint8))
    assert {2, 3} & set(np.unique(sample.label))


def test_keep_attention_records_every_source_once(dit):
    gen = generator(dit)
    sample, one = gen.generate(REQUESTS, keep_attention=True)
    attention = one.attention
    assert attention.cross.shape[0] == 8 * 8  # 16x16 tokens pooled 2x2
    assert attention.self_attention.shape == (16 * 16, 16 * 16)
    assert torch.allclose(
        attention.self_attention.sum(-1), torch.ones(256), atol=1e-4)
    columns = {s: attention.columns(s) for s in SOURCES}
    flat = [c for s in SOURCES for cls in columns[s] for c in cls]
    assert len(flat) == len(set(flat)), 'sources share a column'
    # Concepts: each class, then the background concept; a softmax.
    concept = attention.cross[:, [c[0] for c in columns['concept']]]
    assert concept.shape[1] == 2 and (concept.sum(-1) < 1).all()
    for source in SOURCES:
        label, confidence = gen.label(attention, label_source=source)
        assert label.shape == (64, 64) and confidence.max() <= 1
    # SD3 writes 'dog' in its CLIP and its T5 part; FLUX in T5 alone.
    both = isinstance(dit, StableDiffusion3Pipeline)
    assert len(columns['class_prompt'][0]) == (2 if both else 1)


def test_processors_and_hooks_restored_after_an_exception(dit, monkeypatch):
    gen = generator(dit, label_source='concept')
    call = type(dit).__call__

    def stop(pipeline, step, timestep, kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(
        type(dit), '__call__',
        lambda self, *a, **k: call(self, *a, **{
            **k, 'callback_on_step_end': stop
        }))
    with pytest.raises(KeyboardInterrupt):
        gen.generate(REQUESTS[:1])
    assert upstream_only(dit.transformer)
    assert not dit.transformer._forward_pre_hooks
    assert not dit.transformer.context_embedder._forward_hooks


def test_only_the_first_call_of_a_step_is_read():
    """SD3's skip-layer guidance calls the transformer a second time per
    step (batch 1, layers skipped): it is not recorded."""
    pipeline = build_random_dit_pipeline('sd35-tiny')
    pipeline.set_progress_bar_config(disable=True)
    blocks = select_blocks(pipeline.transformer, None, 'dit_blocks', True)
    recorder = DiTRecorder(1, (16, 16), 1, 1, blocks, blocks, True)
    with record_dit_attention(pipeline.transformer, recorder,
                              SD3RecordingProcessor):
        pipeline('a cat', height=64, width=64, num_inference_steps=3,
                 guidance_scale=4.0, skip_guidance_layers=[1],
                 skip_layer_guidance_start=0.0, max_sequence_length=32,
                 callback_on_step_end=recorder.end_step)
    assert set(recorder.store.calls.values()) == {3}


def test_recorder_reads_planted_attention_as_labels():
    """Image queries planted per region, text keys per class token: the
    image -> text block labels the regions; S^tau at tau 0."""
    grid, heads, dim = (16, 16), 2, 8
    rows, cols = torch.meshgrid(
        torch.arange(16), torch.arange(16), indexing='ij')
    regions = [cols < 8, (rows >= 8) & (cols >= 8)]  # left, bottom-right
    query = torch.zeros(1, heads, 256, dim)
    text_key = torch.zeros(1, heads, 10, dim)
    for k, region in enumerate(regions):
        query[0, :, region.flatten(), k] = 8.0
        text_key[0, :, 3 + 2 * k, k] = 8.0  # class k: token 3 or 5
    block = select_blocks(_FakeTransformer(), ['transformer_blocks.0'], 'x',
                          True)
    recorder = DiTRecorder(1, grid, 2, 1, block, block, True)
    recorder.begin_call(1)
    recorder.joint('transformer_blocks.0', None, None, query, query, query,
                   text_key)
    recorder.begin_call(1)  # a second call in the same step: skipped
    recorder.joint('transformer_blocks.0', None, None, query * 0, query, query,
                   text_key)
    maps = recorder.averages()
    assert maps['cross'].shape == (1, 64, 10)
    label, _ = label_from_attention(maps['cross'][0], maps['self'][0],
                                    [[3], [5]], [1, 2], (8, 8), (16, 16),
                                    (16, 16), tau=0)
    expected = torch.zeros(16, 16, dtype=torch.uint8)
    expected[regions[0]], expected[regions[1]] = 1, 2
    assert (label == expected).float().mean() > 0.9


class _FakeTransformer(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.transformer_blocks = torch.nn.ModuleList([torch.nn.Identity()])


def test_block_and_grid_settings_fail_clearly():
    flux = build_random_dit_pipeline('flux-tiny')
    with pytest.raises(ValueError, match='dit_blocks.*transformer_blocks.0'):
        generator(flux, dit_blocks=['transformer_blocks.7'])
    with pytest.raises(ValueError, match='single_transformer_blocks.0'):
        generator(flux, dit_blocks=['single_transformer_blocks.0'])
    with pytest.raises(ValueError, match='cross_attention_factor=3'):
        generator(flux, cross_attention_factor=3)
    gen = generator(flux, dit_blocks=[1],
                    dit_self_blocks=['single_transformer_blocks.1'])
    assert [b.name for b in gen.reader.self_blocks
            ] == ['single_transformer_blocks.1']
    sample, = gen.generate(REQUESTS[:1])  # single-stream self-attention
    assert sample.label.shape == (64, 64)


def test_concept_source_needs_a_transformer(tiny_pipeline_dir):
    with pytest.raises(ValueError, match='UNet'):
        LabelledImageGenerator(
            load_pipeline(str(tiny_pipeline_dir)), CLASSES,
            GenerationConfig(label_source='concept'))


@pytest.mark.slow
def test_saved_folders_load_through_from_pretrained(tiny_flux_dir,
                                                    tiny_sd35_dir):
    assert pipeline_class(str(tiny_flux_dir)) is FluxPipeline
    flux = load_pipeline(str(tiny_flux_dir), 'bf16')
    assert flux.transformer.dtype == torch.bfloat16
    sd35 = load_pipeline(str(tiny_sd35_dir))
    assert isinstance(sd35, StableDiffusion3Pipeline)
    assert sd35.transformer.config.qk_norm == 'rms_norm'
    sample, = generator(sd35).generate(REQUESTS[:1])
    assert sample.image.shape == (64, 64, 3)


@pytest.mark.parametrize('cls', UPSTREAM)
def test_recording_processors_follow_the_installed_diffusers(cls):
    source = inspect.getsource(cls.__call__)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == UPSTREAM_SHA256[cls.__name__], (
        f'diffusers changed {cls.__name__}.__call__: compare it with '
        'mmdd/diffusion/dit/processors.py and update UPSTREAM_SHA256')


def test_sd3_class_prompt_must_split_alike_in_both_clips():
    """SD3 concatenates both CLIPs' states column by column: a class name
    that the two tokenizers split differently is refused."""
    import copy
    sd3 = build_random_dit_pipeline('sd3-tiny')
    sd3.tokenizer_2 = copy.deepcopy(sd3.tokenizer)
    sd3.tokenizer_2.add_special_tokens({'pad_token': '!'})  # as SDXL's
    gen = LabelledImageGenerator(sd3, ['background', 'wow!!'],
                                 GenerationConfig(num_inference_steps=1))
    with pytest.raises(ValueError, match='two CLIP tokenizers'):
        gen.generate([SampleRequest('a wow!! here', [1], 0)])
