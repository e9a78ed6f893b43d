"""Calibration of the label read-out: its parts, and a tiny random FLUX and
SDXL calibrated end to end on shapes scenes with exact labels."""
import numpy as np
import pytest
import torch
from diffusers import FluxPipeline
from mmengine.config import Config

from mmdd.diffusion import GenerationConfig, LabelledImageGenerator
from mmdd.diffusion.calibration import (calibrate, coordinate_descent,
                                        result_table, settings_text)
from mmdd.diffusion.calibration.candidates import Family
from mmdd.diffusion.calibration.inversion import (denoiser_of, invert, pack,
                                                  read_steps)
from mmdd.diffusion.calibration.readout import candidate_attention
from mmdd.diffusion.calibration.scoring import LabelCounter, with_thresholds
from mmdd.diffusion.calibration.search import recording_config
from mmdd.shapes.world import SHAPES_CLASSES, render_scene
from mmdd.testing import (build_random_dit_pipeline, build_random_pipeline,
                          build_random_sdxl_pipeline)

SEED = 450_000  # calibration scenes: no split, config or bench uses them


def scenes(count: int, size: int = 64):
    picked = [render_scene(SEED + i, size=size) for i in range(count)]
    return ([s.image for s in picked], [s.label for s in picked],
            [s.caption for s in picked])


def count_passes(pipeline) -> list:
    """Count the denoiser's forward passes (a wrapper of its forward)."""
    denoiser = denoiser_of(pipeline)
    calls, original = [], denoiser.forward

    def forward(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    denoiser.forward = forward
    return calls


def test_read_steps_skip_pure_noise_and_stay_in_the_schedule():
    assert read_steps(25, 4) == [5, 10, 15, 20]
    assert read_steps(8, 4) == [2, 3, 5, 6]
    with pytest.raises(ValueError, match='fewer than the schedule'):
        read_steps(4, 4)


def test_pack_is_fluxs_packing():
    latents = torch.randn(2, 4, 8, 6)
    assert torch.equal(
        pack(latents, 2), FluxPipeline._pack_latents(latents, 2, 4, 8, 6))
    assert pack(latents, 1) is latents


def test_coordinate_descent_counts_and_never_loses_the_base():
    # score peaks at a=2, b=1; b only helps once a moved (two rounds).
    def score(c):
        return -abs(c['a'] - 2) - (abs(c['b'] - 1) if c['a'] == 2 else 0.5)

    families = [
        Family('b', [dict(b=v) for v in (0, 1, 2)]),
        Family('a', [dict(a=v) for v in (0, 1, 2)]),
    ]
    outcome = coordinate_descent(dict(a=0, b=0), families, score, rounds=3)
    assert outcome.best == dict(a=2, b=1)
    # round 0: (0,0) (0,1) (0,2), then a: (1,0) (2,0); round 1: (2,1)
    # (2,2), then a: (1,1); round 2 finds nothing new to score.
    assert outcome.scored == 8
    flat = coordinate_descent(dict(a=0, b=0), families, lambda c: 0.0)
    assert flat.best == dict(a=0, b=0) and flat.scored == 5  # ties keep it


def test_uncertain_pixels_are_misses_unless_skipped():
    mask = np.array([[1, 1], [0, 255]], np.uint8)
    label = np.array([[1, 255], [0, 1]], np.uint8)
    strict = LabelCounter(2)
    strict.add(label, mask)
    lenient = LabelCounter(2, uncertain='skip')
    lenient.add(label, mask)
    # background 1 of 1, class 1: 1 of 2 (the uncertain pixel a miss)
    assert strict.score().miou == pytest.approx(0.75)
    assert lenient.score().miou == pytest.approx(1.0)
    assert strict.score().ignored == pytest.approx(1 / 3)


@pytest.fixture(scope='module')
def tiny_sd_inverted():
    pipeline = build_random_pipeline('tiny')
    config, read = recording_config(
        GenerationConfig(num_inference_steps=4), None, 2)
    generator = LabelledImageGenerator(pipeline, SHAPES_CLASSES, config)
    images, masks, captions = scenes(1)
    ids = sorted(set(np.unique(masks[0]).tolist()) - {0})
    return generator, invert(generator, images, [ids], captions, [0],
                             read)[0], read


def test_inversion_keeps_every_layer_of_every_read_step(tiny_sd_inverted):
    generator, inverted, read = tiny_sd_inverted
    assert len(inverted.steps) == len(read) == 2
    names = {layer.name for layer in generator.reader.layers}
    assert all(set(step) == names for step in inverted.steps)
    # Timesteps differ, so do their maps.
    name = next(iter(names))
    assert not torch.equal(inverted.steps[0][name], inverted.steps[1][name])


def test_readout_is_the_mean_over_steps_and_layers(tiny_sd_inverted):
    generator, inverted, _ = tiny_sd_inverted
    attention = candidate_attention(inverted, None, None, 'mean', 'mean')
    self_layers = [
        n for n, layer in inverted.layers.items() if layer.kind == 'self'
    ]
    expected = torch.stack(
        [step[n] for step in inverted.steps for n in self_layers]).mean(0)
    torch.testing.assert_close(attention.self_attention, expected)
    linear = candidate_attention(inverted, None, None, 'linear', 'mean')
    assert not torch.allclose(linear.self_attention, expected)


def test_thresholds_from_one_labelling_equal_labelling_again(tiny_sd_inverted):
    generator, inverted, _ = tiny_sd_inverted
    attention = candidate_attention(inverted, None, None, 'mean', 'mean')
    free = GenerationConfig(foreground_threshold=0, uncertain_threshold=0,
                            tau=1)
    label, confidence = generator.label(attention, config=free)
    for fg, unc in ((0.6, 0.5), (0.3, 0.3), (0.9, 0.1)):
        direct, _ = generator.label(
            attention, config=GenerationConfig(foreground_threshold=fg,
                                               uncertain_threshold=unc, tau=1))
        np.testing.assert_array_equal(
            with_thresholds(label, confidence, fg, unc, 255), direct)


def check_calibration(pipeline, config, images, masks, captions, steps=2,
                      batch_size=1):
    calls = count_passes(pipeline)
    result = calibrate(pipeline, SHAPES_CLASSES, images, masks, captions,
                       config, steps=steps, batch_size=batch_size,
                       num_examples=1)
    # One denoiser pass per batch and timestep, whatever was scored.
    batches = -(-len(images) // batch_size)
    assert len(calls) == result.denoiser_passes == batches * steps
    assert result.candidates_scored > 20
    assert result.val['calibrated'].miou >= result.val['config'].miou
    assert result.config == GenerationConfig(**{
        **config.__dict__,
        **result.settings
    })
    if result.settings:  # other settings, another cache
        assert (result.config.content_settings() != config.content_settings())
    example = result.examples[0]
    assert example.calibrated_label.shape == example.mask.shape
    assert '| test (' in result_table(result)
    return result


def round_trips(result, config, tmp_path):
    path = tmp_path / 'calibrated_generation.py'
    path.write_text(settings_text(result, 'test scenes'))
    loaded = Config.fromfile(str(path))
    return GenerationConfig(**{
        **config.__dict__,
        **loaded.generation
    }) == result.config


@pytest.mark.slow
def test_tiny_flux_calibrates_end_to_end(tmp_path):
    pipeline = build_random_dit_pipeline('flux-tiny')
    config = GenerationConfig(num_inference_steps=4, height=64, width=64,
                              max_sequence_length=32)
    result = check_calibration(pipeline, config, *scenes(4))
    assert 'dit_blocks' in result.base  # a transformer's blocks searched
    assert {r.option['label_source']
            for r in result.tables['label_source']
            } == {'class_prompt', 'text', 'concept'}
    assert round_trips(result, config, tmp_path)


@pytest.mark.slow
def test_tiny_sdxl_calibrates_end_to_end(tmp_path):
    pipeline = build_random_sdxl_pipeline('tiny')
    config = GenerationConfig(num_inference_steps=4)
    result = check_calibration(pipeline, config, *scenes(5, size=128),
                               batch_size=2)  # batches of 2, 2 and 1
    assert 'dit_blocks' not in result.base  # a UNet has no block setting
    assert round_trips(result, config, tmp_path)


def test_calibrate_refuses_bad_inputs():
    pipeline = build_random_pipeline('tiny')
    images, masks, _ = scenes(2)
    with pytest.raises(ValueError, match='2 images but 1 masks'):
        calibrate(pipeline, SHAPES_CLASSES, images, masks[:1])
    bad = masks[1].copy()
    bad[0, 0] = len(SHAPES_CLASSES)
    with pytest.raises(ValueError, match=r'class index\(es\) \[6\]'):
        calibrate(pipeline, SHAPES_CLASSES, images, [masks[0], bad])
    with pytest.raises(ValueError, match='at least 2 labelled images'):
        calibrate(pipeline, SHAPES_CLASSES, images[:1], masks[:1])
