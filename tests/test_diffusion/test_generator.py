import numpy as np
import pytest
import torch
from diffusers import EulerAncestralDiscreteScheduler
from diffusers.models.attention_processor import AttnProcessor2_0

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            PromptTruncatedWarning, SampleRequest,
                            load_pipeline)
from mmdd.prompts import VOC_CLASSES

DOG, SOFA, PERSON, PLANT, TV = 12, 18, 15, 16, 20
REQUESTS = [
    SampleRequest('a dog sleeping on a couch', [DOG, SOFA], 1111),
    SampleRequest('a potted plant beside a television', [PLANT, TV], 1112),
    SampleRequest('two people at a table', [PERSON, PERSON], 1113),
]


def generator(pipeline, **config):
    config = {'num_inference_steps': 2, **config}
    return LabelledImageGenerator(pipeline, VOC_CLASSES,
                                  GenerationConfig(**config))


def plain_images(pipeline, prompts, seeds, config):
    """The unmodified diffusers pipeline on the same texts and seeds."""
    images = pipeline(
        prompt=prompts,
        negative_prompt=[config.negative_prompt] * len(prompts),
        num_inference_steps=config.num_inference_steps,
        guidance_scale=config.guidance_scale,
        generator=[torch.Generator().manual_seed(s)
                   for s in seeds], output_type='np').images
    return (images * 255).round().astype(np.uint8)


def test_samples_are_well_formed(tiny_pipeline):
    samples = generator(tiny_pipeline).generate(REQUESTS)
    assert [s.seed for s in samples] == [1111, 1112, 1113]
    assert samples[0].prompt == 'a dog sleeping on a couch; dog sofa'
    for sample, request in zip(samples, REQUESTS):
        assert sample.image.shape == (64, 64, 3)
        assert sample.image.dtype == np.uint8
        assert sample.label.shape == sample.confidence.shape == (64, 64)
        assert sample.label.dtype == np.uint8
        assert sample.confidence.dtype == np.float32
        assert 0 <= sample.confidence.min() <= sample.confidence.max() <= 1
        assert set(np.unique(sample.label)) <= {0, 255, *request.class_ids}
        # The label is the thresholded confidence.
        assert np.array_equal(sample.label == 0, sample.confidence < 0.5)
        assert np.array_equal(sample.label == 255, (sample.confidence >= 0.5)
                              & (sample.confidence < 0.6))


def test_recording_changes_nothing_in_the_image(tiny_pipeline):
    gen = generator(tiny_pipeline)
    samples = gen.generate(REQUESTS)
    plain = plain_images(tiny_pipeline, [s.prompt for s in samples],
                         [s.seed for s in samples], gen.config)
    for sample, image in zip(samples, plain):
        assert np.array_equal(sample.image, image)
    assert all(
        type(p) is AttnProcessor2_0
        for p in tiny_pipeline.unet.attn_processors.values())


def test_caption_only_conditioning(tiny_pipeline):
    gen = generator(tiny_pipeline, append_class_prompt=False)
    sample, = gen.generate(REQUESTS[:1])
    assert sample.prompt == REQUESTS[0].caption
    image, = plain_images(tiny_pipeline, [sample.prompt], [1111], gen.config)
    assert np.array_equal(sample.image, image)


@pytest.mark.parametrize('model', ['tiny_pipeline_dir', 'tiny_sdxl_dir'])
@pytest.mark.parametrize('scheduler',
                         [None, 'EulerAncestralDiscreteScheduler'])
@pytest.mark.slow
def test_a_sample_is_the_same_alone_or_in_any_batch(model, scheduler, request):
    """Per-sample generators: same noise whatever the batch (SD and SDXL).
    Labels use tau=0 here: random weights give near-uniform self-attention,
    whose refined maps min-max would blow fp noise of batched kernels up."""
    pipeline = load_pipeline(
        str(request.getfixturevalue(model)), scheduler=scheduler)
    gen = generator(pipeline, tau=0, num_inference_steps=3)
    batch = gen.generate(REQUESTS)
    reordered = gen.generate([REQUESTS[2], REQUESTS[1]])
    alone = gen.generate([REQUESTS[1]])
    for other in (reordered[1], alone[0]):
        assert np.abs(other.image.astype(int) - batch[1].image).max() <= 1
        assert np.allclose(other.confidence, batch[1].confidence, atol=1e-4)
        assert (other.label == batch[1].label).mean() > 0.99
    assert not np.array_equal(batch[0].image, batch[1].image)


@pytest.mark.slow
def test_load_pipeline_dtype_and_scheduler(tiny_pipeline_dir):
    pipeline = load_pipeline(
        str(tiny_pipeline_dir), 'bf16',
        scheduler='EulerAncestralDiscreteScheduler')
    assert pipeline.unet.dtype == torch.bfloat16
    assert isinstance(pipeline.scheduler, EulerAncestralDiscreteScheduler)
    sample, = generator(pipeline).generate(REQUESTS[:1])
    assert sample.image.shape == (64, 64, 3)
    with pytest.raises(ValueError, match='DDIMScheduler'):
        load_pipeline(str(tiny_pipeline_dir), scheduler='NoSuchScheduler')
    with pytest.raises(ValueError, match='fp16'):
        load_pipeline(str(tiny_pipeline_dir), 'half')


def test_no_guidance_records_the_whole_batch(tiny_pipeline):
    samples = generator(tiny_pipeline, guidance_scale=1.0).generate(REQUESTS)
    assert len(samples) == 3 and samples[2].label.shape == (64, 64)


def test_other_sizes(tiny_pipeline):
    sample, = generator(tiny_pipeline, height=48,
                        width=80).generate(REQUESTS[:1])
    assert sample.image.shape == (48, 80, 3)
    assert sample.label.shape == sample.confidence.shape == (48, 80)


def test_long_prompt_warns_and_generates(tiny_pipeline):
    request = SampleRequest(' '.join(['a dog on a couch'] * 30), [DOG, SOFA],
                            7)
    with pytest.warns(PromptTruncatedWarning):
        sample, = generator(tiny_pipeline).generate([request])
    assert sample.prompt.endswith('; dog sofa')


@pytest.mark.parametrize('model', ['tiny_pipeline_dir', 'tiny_sdxl_dir'])
def test_processors_restored_when_the_pipeline_fails(model, request,
                                                     monkeypatch):
    pipeline = load_pipeline(str(request.getfixturevalue(model)))
    before = pipeline.unet.attn_processors

    def broken_decode(*args, **kwargs):
        raise RuntimeError('decoder failed')

    monkeypatch.setattr(pipeline.vae, 'decode', broken_decode)
    with pytest.raises(RuntimeError, match='decoder failed'):
        generator(pipeline).generate(REQUESTS[:1])
    assert pipeline.unet.attn_processors == before
    assert all(type(p) is AttnProcessor2_0 for p in before.values())


@pytest.mark.parametrize('class_ids, message', [
    ([21], 'class id 21 .* use 1..20'),
    ([0, DOG], 'class id 0 .* background'),
])
def test_bad_class_ids(tiny_pipeline, class_ids, message):
    with pytest.raises(ValueError, match=message):
        generator(tiny_pipeline).generate([SampleRequest('x', class_ids, 0)])


def test_bad_configs(tiny_pipeline):
    with pytest.raises(ValueError, match='uncertain_threshold=0.7'):
        GenerationConfig(uncertain_threshold=0.7, foreground_threshold=0.6)
    with pytest.raises(ValueError,
                       match=r'8x8 \(factor 4, 1/8 of the image side\)'):
        generator(tiny_pipeline, cross_attention_factor=8)
    with pytest.raises(ValueError, match='multiples of 2'):
        generator(tiny_pipeline, height=63)
    with pytest.raises(ValueError, match='at least one'):
        generator(tiny_pipeline).generate([])
    with pytest.raises(ValueError, match='background'):
        LabelledImageGenerator(tiny_pipeline, ['background'],
                               GenerationConfig())


def test_kept_attention_relabels_like_the_generator(tiny_pipeline):
    gen = generator(tiny_pipeline)
    plain = gen.generate(REQUESTS[:2])
    kept = gen.generate(REQUESTS[:2], keep_attention=True)
    assert all(s.attention is None for s in plain)
    for a, b in zip(plain, kept):
        label, confidence = gen.label(b.attention)
        assert np.array_equal(label, a.label)
        assert np.array_equal(confidence, a.confidence)
    # Other labelling settings, same recording: tau changes the labels.
    tau0, _ = gen.label(kept[0].attention, tau=0)
    assert not np.array_equal(tau0, kept[0].label)
    no_band, _ = gen.label(kept[0].attention, foreground_threshold=0.55,
                           uncertain_threshold=0.55)
    assert 255 not in no_band


def test_text_attention_labels_only_the_classes_the_text_names(tiny_pipeline):
    """label_source='text' (the paper's ablation baseline) reads the
    generation text's own attention: without appending, a class the
    caption calls by another name ("couch" for sofa) labels nothing."""
    request = SampleRequest('a dog sleeping on a couch', [DOG, SOFA], 5)
    caption_only = generator(tiny_pipeline, append_class_prompt=False,
                             label_source='text', tau=0)
    sample = caption_only.generate([request], keep_attention=True)[0]
    dog, sofa = sample.attention.text_positions
    assert dog and not sofa
    tokenizer = tiny_pipeline.tokenizer
    tokens = tokenizer(sample.prompt).input_ids
    # Text columns follow the class prompt's (both padded to the context).
    first_text_column = (
        sample.attention.cross.shape[1] - tokenizer.model_max_length)
    assert tokenizer.decode([tokens[p - first_text_column]
                             for p in dog]) == 'dog'
    assert SOFA not in sample.label
    # The same recording labelled from the class prompt names the sofa.
    by_class_prompt, _ = caption_only.label(sample.attention,
                                            label_source='class_prompt')
    assert not np.array_equal(by_class_prompt, sample.label)
    # With appending the text names both classes; the image changes.
    appended = generator(tiny_pipeline, label_source='text', tau=0)
    sample = appended.generate([request], keep_attention=True)[0]
    assert all(sample.attention.text_positions)


def test_text_attention_is_recorded_only_when_asked(tiny_pipeline):
    gen = generator(tiny_pipeline)
    sample = gen.generate(REQUESTS[:1], keep_attention=False)[0]
    assert sample.attention is None
    kept = gen.generate(REQUESTS[:1], keep_attention=True)[0]
    label, _ = gen.label(kept.attention)
    assert np.array_equal(label, sample.label)  # extra columns change nothing
    kept.attention.text_positions = None
    with pytest.raises(ValueError, match="label_source='text'"):
        gen.label(kept.attention, label_source='text')
    with pytest.raises(ValueError, match="got 'caption'"):
        GenerationConfig(label_source='caption')


@pytest.mark.parametrize(
    'model',
    ['no/such/folder', './missing', '/abs/missing', '~/missing', 'missing'])
def test_missing_local_model_folder_is_named(model):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_pipeline(model)
