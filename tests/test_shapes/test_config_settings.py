"""The shapes models' generation settings come from their configs only."""

import pytest
from mmengine.config import Config

from mmdd.diffusion import GenerationConfig
from mmdd.shapes.config_settings import (generation_config_file,
                                         generation_settings,
                                         synth_dataset_settings)
from mmdd.shapes.fidelity import (model_generation_config,
                                  shapes_dit_generation_config,
                                  shapes_generation_config)
from tests.utils import run_python

GENERATION_CONFIGS = ('shapes_t2i', 'shapes_t2i_sd', 'shapes_dit')


@pytest.mark.parametrize('name', GENERATION_CONFIGS)
def test_plain_reading_agrees_with_mmengine(name):
    synth = Config.fromfile(generation_config_file(name)).synth_dataset
    ours = synth_dataset_settings(name)
    assert ours['generation'] == synth.generation.to_dict()
    assert ours['model'] == synth.model
    assert ours['type'] == synth.type


def test_dit_settings_inherit_the_unet_ones_and_override_four():
    unet, dit = generation_settings('shapes_t2i'), generation_settings(
        'shapes_dit')
    changed = {k for k in dit if dit[k] != unet.get(k)}
    assert changed == {'max_sequence_length', 'self_attention_factor', 'tau'}
    assert dit['max_sequence_length'] == 0 and dit['tau'] == 4


def test_generation_configs_are_the_config_blocks_with_overrides():
    assert shapes_generation_config() == GenerationConfig(
        **generation_settings('shapes_t2i'))
    dit = shapes_dit_generation_config(num_inference_steps=2)
    assert dit == GenerationConfig(
        **dict(generation_settings('shapes_dit'), num_inference_steps=2))
    # overrides never leak into the next reading
    assert shapes_dit_generation_config().num_inference_steps == 25


def test_model_generation_config_picks_by_pipeline():

    class Transformer:
        transformer = None

    assert model_generation_config(Transformer()).max_sequence_length == 0
    assert model_generation_config(object()) == shapes_generation_config()


def test_unknown_generation_config_is_named():
    with pytest.raises(FileNotFoundError, match="'shapes_nope'"):
        generation_settings('shapes_nope')


def test_reading_the_settings_loads_no_openmmlab():
    code = ('import sys\n'
            'from mmdd.shapes.fidelity import shapes_dit_generation_config\n'
            'shapes_dit_generation_config()\n'
            "print(sorted({m.split('.')[0] for m in sys.modules}))")
    assert not {'mmcv', 'mmengine', 'mmseg'} & set(eval(run_python(code)))
