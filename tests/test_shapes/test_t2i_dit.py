"""The diffusion-transformer shapes model: SD3's layout, trained by
rectified flow, loaded and labelled like an SD3 checkpoint."""
import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from mmdd.diffusion import LabelledImageGenerator, load_pipeline
from mmdd.shapes.fidelity import shapes_dit_generation_config, shapes_requests
from mmdd.shapes.t2i import DIT, TrainSettings, build_pipeline, train
from mmdd.shapes.t2i_dit import encode_text
from mmdd.shapes.world import SHAPES_CLASSES
from tests.test_shapes.conftest import QUICK

QUICK_DIT = dict(DIT, **QUICK, dit_layers=2)


def _quiet(line):
    pass


@pytest.fixture(scope='module')
def quick_dit_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp('dit') / 'shapes-dit'
    return train(TrainSettings(**QUICK_DIT), out, save_every=2, log_fn=_quiet)


def test_training_writes_an_sd3_folder_without_t5(quick_dit_dir):
    index = json.loads((quick_dit_dir / 'model_index.json').read_text())
    assert index['_class_name'] == 'StableDiffusion3Pipeline'
    assert index['text_encoder_3'] == index['tokenizer_3'] == [None, None]
    weights = load_file(quick_dit_dir / 'transformer' /
                        'diffusion_pytorch_model.safetensors')
    assert {t.dtype for t in weights.values()} == {torch.float16}
    log = [
        json.loads(line) for line in (quick_dit_dir.parent /
                                      'shapes-dit.train_log.jsonl').open()
    ]
    assert {r['stage'] for r in log} == {'vae', 'encode', 'transformer'}
    assert log[-1]['step'] == QUICK['steps'] - 1
    assert all(np.isfinite(r['loss']) for r in log if 'loss' in r)


def test_retraining_gives_the_same_bytes(quick_dit_dir, tmp_path):
    again = train(
        TrainSettings(**QUICK_DIT), tmp_path / 'again', save_every=2,
        log_fn=_quiet)
    for part, name in (('transformer', 'diffusion_pytorch_model'),
                       ('text_encoder', 'model'), ('text_encoder_2', 'model')):
        first = (quick_dit_dir / part / f'{name}.safetensors').read_bytes()
        assert first == (again / part / f'{name}.safetensors').read_bytes()


def test_pooled_vector_stays_zero_so_pixels_must_read_the_words(quick_dit_dir):
    pipeline = load_pipeline(str(quick_dit_dir), 'fp32')
    states, pooled = encode_text(
        pipeline,
        pipeline.tokenizer(['a red circle'], padding='max_length',
                           return_tensors='pt').input_ids)
    assert pooled.shape == (1, 2 * TrainSettings().text_width)
    assert not pooled.any()
    assert states.abs().sum() > 0  # the token states: what pixels read


def test_training_encodes_text_as_the_pipeline_does(quick_dit_dir):
    pipeline = load_pipeline(str(quick_dit_dir), 'fp32')
    captions = ['a red circle and a blue star', '']
    ids = pipeline.tokenizer(captions, padding='max_length',
                             return_tensors='pt').input_ids
    states, pooled = encode_text(pipeline, ids)
    expected = pipeline.encode_prompt(captions, captions, captions,
                                      do_classifier_free_guidance=False,
                                      max_sequence_length=0)
    torch.testing.assert_close(states, expected[0])
    torch.testing.assert_close(pooled, expected[2])


@pytest.mark.parametrize('source', ['class_prompt', 'concept'])
def test_loads_like_sd3_and_generates_labelled_images(quick_dit_dir, source):
    pipeline = load_pipeline(str(quick_dit_dir), 'fp32')
    assert type(pipeline).__name__ == 'StableDiffusion3Pipeline'
    assert pipeline.text_encoder_3 is None
    generator = LabelledImageGenerator(
        pipeline, SHAPES_CLASSES,
        shapes_dit_generation_config(num_inference_steps=2,
                                     label_source=source))
    samples = generator.generate(shapes_requests(2))
    for sample in samples:
        assert sample.image.shape == (64, 64, 3)
        assert sample.label.shape == (64, 64)
        assert set(np.unique(sample.label)) <= set(range(6)) | {255}


def test_images_match_the_plain_sd3_pipeline(quick_dit_dir):
    """The labelled generation changes no pixel of what diffusers' own
    pipeline draws for the same caption and seed (no T5 tokens)."""
    pipeline = load_pipeline(str(quick_dit_dir), 'fp32')
    request = shapes_requests(1)[0]
    config = shapes_dit_generation_config(num_inference_steps=2,
                                          append_class_prompt=False)
    sample = LabelledImageGenerator(pipeline, SHAPES_CLASSES,
                                    config).generate([request])[0]
    plain = pipeline(prompt=request.caption, negative_prompt='',
                     num_inference_steps=2, guidance_scale=4.0,
                     max_sequence_length=0,
                     generator=torch.Generator().manual_seed(request.seed),
                     output_type='np').images[0]
    assert np.array_equal(sample.image, (plain * 255).round().astype(np.uint8))


def test_continuing_another_transformer_is_refused(quick_dit_dir, tmp_path):
    settings = TrainSettings(
        **dict(QUICK_DIT, dit_layers=3, init_from=str(quick_dit_dir)))
    with pytest.raises(ValueError, match='transformer.num_layers'):
        train(settings, tmp_path / 'm', log_fn=_quiet)
    assert not (tmp_path / 'm').exists()


def test_continuing_keeps_the_trained_weights(quick_dit_dir, tmp_path):
    settings = TrainSettings(
        **dict(QUICK_DIT, steps=1, lr=1e-20, init_from=str(quick_dit_dir)))
    out = train(settings, tmp_path / 'more', save_every=1, log_fn=_quiet)
    name = 'diffusion_pytorch_model.safetensors'
    start = load_file(quick_dit_dir / 'transformer' / name)
    more = load_file(out / 'transformer' / name)
    assert all(torch.equal(start[k], more[k]) for k in start)


@pytest.mark.parametrize('bad, match', [
    (dict(architecture='dit'), "architecture must be one of"),
    (dict(architecture='sd3', text_layers=0), 'text_layers >= 1'),
    (dict(dit_layers=0), 'dit_layers must be >= 1'),
])
def test_bad_settings_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        TrainSettings(**bad)


def test_tokens_lie_on_a_16x16_grid_of_the_sd_grid_latents():
    pipeline = build_pipeline(TrainSettings(**DIT))
    config = pipeline.transformer.config
    assert list(pipeline.vae.config.block_out_channels) == [16, 32]
    assert config.sample_size // config.patch_size == 16
    assert config.qk_norm == 'rms_norm'
    assert pipeline.vae.config.shift_factor == 0.0
