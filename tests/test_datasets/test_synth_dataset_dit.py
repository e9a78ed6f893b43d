"""SynthDataset with diffusion transformers (FLUX.1, SD3.5), as a user's own
config names them: generation inside the Runner, then training."""
import json
import math

import numpy as np
import pytest
from mmengine.config import Config

from mmdd.utils.cli import build_runner
from tests.test_engine.test_train_runner import logged, tiny_synth_cfg
from tests.utils import CONFIG_DIR

DIT_VOC = {
    'flux-schnell': 'black-forest-labs/FLUX.1-schnell',
    'flux-dev': 'black-forest-labs/FLUX.1-dev',
    'sd35': 'stabilityai/stable-diffusion-3.5-medium',
}


@pytest.mark.slow
@pytest.mark.parametrize('model', ['tiny_flux_dir', 'tiny_sd35_dir'])
@pytest.mark.parametrize('source', ['class_prompt', 'concept'])
def test_a_users_config_generates_with_a_dit_and_trains(
        model, source, request, toy_prompts_file, toy_data_root, tmp_path):
    cfg = tiny_synth_cfg(
        str(request.getfixturevalue(model)), toy_prompts_file, toy_data_root,
        tmp_path, iters=2, height=64, width=64, max_sequence_length=32,
        label_source=source)
    runner = build_runner(cfg)
    runner.train()
    masks = sorted((tmp_path / 'gen' / 'mask').glob('*.png'))
    assert len(masks) == 4
    losses = logged(runner, 'loss')
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    manifest = json.loads((tmp_path / 'gen' / 'manifest.json').read_text())
    generation = manifest['settings']['generation']
    assert generation['label_source'] == source
    assert generation['max_sequence_length'] == 32
    assert any('transformer' in name
               for name in manifest['sources']['model_files'])


@pytest.mark.parametrize('name', sorted(DIT_VOC))
def test_voc_dit_configs(name):
    cfg = Config.fromfile(
        str(CONFIG_DIR / 'dd' /
            f'dd_deeplabv3_r101-d8_4xb2-20k_synvoc-{name}-512x512.py'))
    synth = cfg.train_dataloader.dataset
    assert synth.model == DIT_VOC[name]
    assert (synth.generation.height, synth.generation.width) == (1024, 1024)
    assert synth.cache_dir.startswith('data/gen_voc_') and name.split(
        '-')[0] in synth.cache_dir
    assert cfg.crop_size == (512, 512)
    from mmdd.diffusion import GenerationConfig
    GenerationConfig(**synth.generation)  # valid settings
    if name == 'flux-schnell':
        assert synth.generation.num_inference_steps == 4
        assert synth.generation.label_source == 'concept'
        assert not synth.generation.append_class_prompt


def test_unet_caches_keep_their_manifest_settings():
    """The DiT-only settings stay out of a manifest while at their
    defaults: caches made before they existed still match."""
    from mmdd.diffusion import GenerationConfig
    settings = GenerationConfig().content_settings()
    for name in ('dit_blocks', 'dit_self_blocks', 'concept_background',
                 'max_sequence_length', 'self_attention_chunk',
                 'progress_bar'):
        assert name not in settings
    assert GenerationConfig(concept_background=['sky', 'ground']
                            ).content_settings()['concept_background'] == [
                                'sky', 'ground'
                            ]
    assert np.isclose(settings['foreground_threshold'], 0.6)
