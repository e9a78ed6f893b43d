import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from mmdd.diffusion import LabelledImageGenerator, load_pipeline
from mmdd.diffusion.unet.layers import attention_layers
from mmdd.shapes.fidelity import shapes_generation_config, shapes_requests
from mmdd.shapes.t2i import (SD_PROPORTIONED, TrainSettings, build_pipeline,
                             train)
from mmdd.shapes.world import SHAPES_CLASSES
from tests.test_shapes.conftest import QUICK
from tests.utils import REPO_ROOT, load_script


@pytest.mark.slow
def test_training_writes_a_diffusers_folder(quick_t2i_dir):
    for part in ('unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler'):
        assert (quick_t2i_dir / part).is_dir(), part
    weights = load_file(quick_t2i_dir / 'unet' /
                        'diffusion_pytorch_model.safetensors')
    assert {t.dtype for t in weights.values()} == {torch.float16}
    settings = json.loads((quick_t2i_dir / 'train_settings.json').read_text())
    assert settings['steps'] == QUICK['steps']
    assert settings['seed'] == 0
    log = [
        json.loads(line) for line in (quick_t2i_dir.parent /
                                      'shapes-t2i.train_log.jsonl').open()
    ]
    stages = {r['stage'] for r in log}
    assert stages == {'vae', 'encode', 'unet'}
    assert log[-1]['step'] == QUICK['steps'] - 1
    assert all(np.isfinite(r['loss']) for r in log if 'loss' in r)
    assert not (quick_t2i_dir.parent / 'shapes-t2i.tmp').exists()


@pytest.mark.slow
def test_loads_like_sd_and_generates_labelled_64px_images(quick_t2i_dir):
    pipeline = load_pipeline(str(quick_t2i_dir), 'fp32')
    assert pipeline.unet.dtype == torch.float32
    assert pipeline.vae_scale_factor == 4
    assert pipeline.vae.config.scaling_factor != 0.18215  # measured
    generator = LabelledImageGenerator(
        pipeline, SHAPES_CLASSES,
        shapes_generation_config(num_inference_steps=2))
    assert (generator.cross_size, generator.self_size) == ((8, 8), (16, 16))
    samples = generator.generate(shapes_requests(2))
    for sample in samples:
        assert sample.image.shape == (64, 64, 3)
        assert sample.label.shape == (64, 64)
        assert set(np.unique(sample.label)) <= set(range(6)) | {255}


@pytest.mark.slow
def test_retraining_with_the_same_settings_gives_the_same_weights(
        quick_t2i_dir, tmp_path):
    again = train(
        TrainSettings(**QUICK), tmp_path / 'again', save_every=2,
        log_fn=lambda line: None)
    for part, name in (('unet', 'diffusion_pytorch_model'), ('text_encoder',
                                                             'model')):
        first = load_file(quick_t2i_dir / part / f'{name}.safetensors')
        second = load_file(again / part / f'{name}.safetensors')
        assert all(torch.equal(first[k], second[k]) for k in first), part


def test_second_stage_can_reuse_a_trained_autoencoder(quick_t2i_dir, tmp_path):
    out = train(
        TrainSettings(**dict(QUICK, steps=1)), tmp_path / 'reuse',
        save_every=1, log_fn=lambda line: None, vae_from=quick_t2i_dir)
    log = (tmp_path / 'reuse.train_log.jsonl').read_text()
    assert '"vae"' not in log
    name = 'diffusion_pytorch_model.safetensors'
    a = load_file(quick_t2i_dir / 'vae' / name)
    b = load_file(out / 'vae' / name)
    assert all(torch.equal(a[k], b[k]) for k in a)
    # The saved config names no local path (from_pretrained adds one).
    saved, source = (
        json.loads((folder / 'vae' / 'config.json').read_text())
        for folder in (out, quick_t2i_dir))
    assert saved == source


def test_reusing_an_autoencoder_leaves_the_unet_initialisation_alone(
        quick_t2i_dir, tmp_path):
    # Loading the trained autoencoder must not draw from the random stream
    # the UNet is initialised from (the SD-grid model's recipe relies on it).
    settings = TrainSettings(**dict(QUICK, steps=1, lr=1e-20))
    out = train(settings, tmp_path / 'reuse', save_every=1,
                log_fn=lambda line: None, vae_from=quick_t2i_dir)
    torch.manual_seed(settings.seed)
    fresh = build_pipeline(settings).unet.state_dict()
    saved = load_file(out / 'unet' / 'diffusion_pytorch_model.safetensors')
    assert all(torch.equal(fresh[k].half(), saved[k]) for k in saved)


def test_continuing_starts_from_the_trained_weights(quick_t2i_dir, tmp_path):
    # With a vanishing learning rate the continued model is its start.
    settings = TrainSettings(
        **dict(QUICK, steps=1, lr=1e-20, init_from=str(quick_t2i_dir)))
    out = train(settings, tmp_path / 'more', save_every=1,
                log_fn=lambda line: None)
    for part, name in (('unet', 'diffusion_pytorch_model'),
                       ('text_encoder', 'model'), ('vae',
                                                   'diffusion_pytorch_model')):
        start = load_file(quick_t2i_dir / part / f'{name}.safetensors')
        more = load_file(out / part / f'{name}.safetensors')
        assert all(torch.equal(start[k], more[k]) for k in start), part
    recorded = json.loads((out / 'train_settings.json').read_text())
    assert recorded['init_from'] == str(quick_t2i_dir)
    assert '"vae"' not in (tmp_path / 'more.train_log.jsonl').read_text()


@pytest.mark.parametrize('other', [
    dict(unet_heads=(1, 2)),
    dict(unet_channels=(32, 32)),
    dict(text_width=32)
])
def test_continuing_another_architecture_is_refused(quick_t2i_dir, tmp_path,
                                                    other):
    settings = TrainSettings(
        **dict(QUICK, init_from=str(quick_t2i_dir), **other))
    with pytest.raises(ValueError, match='another architecture'):
        train(settings, tmp_path / 'm', log_fn=lambda line: None)
    assert not (tmp_path / 'm').exists()


def test_continuing_and_reusing_a_vae_at_once_is_refused(
        quick_t2i_dir, tmp_path):
    with pytest.raises(ValueError, match='drop vae_from'):
        train(
            TrainSettings(**dict(QUICK, init_from=str(quick_t2i_dir))),
            tmp_path / 'm', log_fn=lambda line: None, vae_from=quick_t2i_dir)
    assert not (tmp_path / 'm').exists()


@pytest.mark.slow
def test_train_script_flags_reach_the_settings(tmp_path):
    import subprocess
    import sys

    from tests.utils import REPO_ROOT
    flags = [
        f'--{k.replace("_", "-")}={v}'
        for k, v in dict(QUICK, steps=1).items()
    ]
    subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'shapes' / 'train_t2i.py'), '--out',
        str(tmp_path / 'm'), '--unet-channels', '32', '32', '--threads=1'
    ] + flags, check=True, capture_output=True)
    settings = json.loads((tmp_path / 'm' / 'train_settings.json').read_text())
    assert settings['unet_channels'] == [32, 32]
    assert settings['steps'] == 1 and settings['num_scenes'] == 32


def test_preset_then_flags():
    tool = load_script(REPO_ROOT / 'tools' / 'shapes' / 'train_t2i.py')
    settings_from, parse = tool.settings_from, tool.settings_parser(
    ).parse_args
    settings = settings_from(
        parse(['--out', 'x', '--preset', 'sd-proportioned', '--steps', '7']))
    assert settings == TrainSettings(**dict(SD_PROPORTIONED, steps=7))
    assert settings.latent_size == 32
    settings = settings_from(
        parse([
            '--out', 'x', '--no-fine-down-attention', '--unet-heads', '1', '2'
        ]))
    assert settings == TrainSettings(fine_down_attention=False,
                                     unet_heads=(1, 2))
    assert settings_from(parse(['--out', 'x'])) == TrainSettings()
    assert settings_from(parse(['--out', 'x', '--init-from',
                                'm'])).init_from == 'm'
    assert not settings_from(
        parse(['--out', 'x', '--no-coarse-self-attention'
               ])).coarse_self_attention


@pytest.mark.parametrize('down, up', [(True, False), (False, True),
                                      (True, True)])
def test_fine_level_transformers_sit_where_the_settings_say(down, up):
    settings = TrainSettings(**dict(SD_PROPORTIONED, fine_down_attention=down,
                                    fine_up_attention=up))
    processors = build_pipeline(settings).unet.attn_processors
    blocks = {name.split('.attentions')[0] for name in processors}
    assert ('down_blocks.0' in blocks, 'up_blocks.1' in blocks) == (down, up)
    assert {'down_blocks.1', 'up_blocks.0'} <= blocks


@pytest.mark.parametrize('coarse', [True, False])
def test_coarse_self_attention_switch(coarse):
    settings = TrainSettings(
        **dict(SD_PROPORTIONED, coarse_self_attention=coarse))
    unet = build_pipeline(settings).unet
    assert (unet.mid_block is not None) == coarse
    self_sizes = {
        layer.size
        for layer in attention_layers(unet, (32, 32)) if layer.kind == 'self'
    }
    assert self_sizes == ({(32, 32), (16, 16)} if coarse else {(32, 32)})


@pytest.fixture(scope='module')
def quick_sd_proportioned(tmp_path_factory):
    settings = TrainSettings(**dict(SD_PROPORTIONED, **QUICK))
    out = tmp_path_factory.mktemp('t2i-sd') / 'm'
    return settings, train(settings, out, save_every=2,
                           log_fn=lambda line: None)


@pytest.mark.slow
def test_sd_proportioned_model_has_sd_grids_and_retrains_the_same(
        quick_sd_proportioned, tmp_path):
    settings, folder = quick_sd_proportioned
    pipeline = load_pipeline(str(folder), 'fp32')
    assert pipeline.vae_scale_factor == 2
    assert pipeline.unet.config.sample_size == 32
    generator = LabelledImageGenerator(
        pipeline, SHAPES_CLASSES,
        shapes_generation_config(num_inference_steps=1))
    # SD 2.1 at 512 px: cross-attention 16x16, self-attention 32x32.
    assert (generator.cross_size, generator.self_size) == ((16, 16), (32, 32))
    # Both text attentions of the coarse level's three transformers (one in
    # the down block, two in the up block) are read.
    assert sum(layer.kind == 'cross' for layer in generator.reader.layers) == 6
    assert generator.generate(shapes_requests(1))[0].image.shape == (64, 64, 3)
    again = train(settings, tmp_path / 'again', save_every=2,
                  log_fn=lambda line: None)
    name = 'diffusion_pytorch_model.safetensors'
    first, second = (load_file(f / 'unet' / name) for f in (folder, again))
    assert all(torch.equal(first[k], second[k]) for k in first)


@pytest.mark.parametrize('bad', ['steps', 'batch_size'])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError, match=bad):
        TrainSettings(**{bad: 0})
    with pytest.raises(ValueError, match='unet_heads'):
        TrainSettings(unet_heads=(1, 2, 2))
    with pytest.raises(ValueError, match='vae_channels'):
        TrainSettings(vae_channels=(16, ))
