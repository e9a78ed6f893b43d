"""GenerationConfig's groups: the manifest keeps its order, the defaults
that leave it come from the dataclass."""
import json
from dataclasses import fields

from mmdd.diffusion.generation_config import (DIT_DEFAULTS, LABEL_DEFAULTS,
                                              MANIFEST_ORDER, GenerationConfig)


def test_manifest_order_names_every_field_once():
    assert sorted(MANIFEST_ORDER) == sorted(
        f.name for f in fields(GenerationConfig))
    assert len(set(MANIFEST_ORDER)) == len(MANIFEST_ORDER)


def test_content_settings_keep_the_manifest_order_not_the_field_order():
    settings = GenerationConfig(refined_weight=0.5,
                                dit_blocks=[1]).content_settings()
    assert list(settings) == [n for n in MANIFEST_ORDER if n in settings]
    assert list(settings)[:7] == [
        'num_inference_steps', 'guidance_scale', 'negative_prompt', 'height',
        'width', 'append_class_prompt', 'label_source'
    ]
    assert json.dumps(settings).index('"dit_blocks"') < json.dumps(
        settings).index('"tau"')


def test_defaults_that_leave_the_manifest_are_the_dataclass_defaults():
    config = GenerationConfig()
    for name, default in {**DIT_DEFAULTS, **LABEL_DEFAULTS}.items():
        value = getattr(config, name)
        assert (list(value) if isinstance(value, tuple) else value) == default
    assert DIT_DEFAULTS['concept_background'] == ['background']


def test_every_field_has_an_attributes_entry():
    doc = GenerationConfig.__doc__
    for field in fields(GenerationConfig):
        assert f'        {field.name}: ' in doc, field.name
