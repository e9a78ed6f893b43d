"""Issue 36, finding 2: prompts that cannot fit the model's text encoders
are refused when the SynthDataset is built, before the model loads or the
cache is touched, naming the record and both fixes.

The toy prompts' classes are 'square' (2 tiny-T5 tokens with ``</s>``) and
'disc' (6: the tiny T5 spells it out).
"""
import pytest

from mmdd.prompts import PromptRecord, write_prompts


@pytest.fixture
def synth_model(tiny_flux_dir):
    return tiny_flux_dir


GENERATION = dict(num_inference_steps=1, height=64, width=64)


def test_a_class_prompt_longer_than_t5_is_refused_at_build(build, tmp_path):
    with pytest.raises(ValueError) as err:
        build(generation=dict(GENERATION, max_sequence_length=4))
    message = str(err.value)
    assert message.startswith("prompt record 'p1' (classes ['disc'])")
    assert 'T5 (text_encoder_2)' in message
    assert 'raise max_sequence_length (now 4) to 6, or pass fewer ' \
        'classes' in message
    assert 'before the model loads' in message
    # Refused before the cache was prepared (and the model loaded).
    assert not (tmp_path / 'cache' / 'manifest.json').exists()


def test_a_text_label_class_a_cut_would_remove_is_refused_at_build(
        build, tmp_path):
    """label_source='text' without appending: every caption is checked."""
    prompts = tmp_path / 'long.jsonl'
    write_prompts([
        PromptRecord('short', 'a disc', ['disc']),
        PromptRecord('long', 'a photo of the grass and a big square',
                     ['square']),
    ], prompts)
    with pytest.raises(ValueError) as err:
        build(
            prompts_file=str(prompts),
            generation=dict(GENERATION, max_sequence_length=8,
                            append_class_prompt=False, label_source='text'))
    message = str(err.value)
    assert message.startswith("prompt record 'long' (classes ['square'])")
    assert "before ['square']" in message
    assert 'raise max_sequence_length to 10' in message
    assert not (tmp_path / 'cache' / 'manifest.json').exists()


def test_prompts_that_fit_are_not_refused(synth_model, toy_prompts_file):
    from mmdd.datasets.prompt_fit import check_prompts_fit
    from mmdd.prompts.records import read_prompts
    classes = ['background', 'square', 'disc']
    records = read_prompts(toy_prompts_file, classes)
    fit = dict(max_sequence_length=7, append_class_prompt=False)
    check_prompts_fit(str(synth_model), fit, classes, records)
    # 'square disc': 7 tokens with </s>.
    with pytest.raises(ValueError, match="'p2'.*now 6\\) to 7"):
        check_prompts_fit(
            str(synth_model), dict(fit, max_sequence_length=6), classes,
            records)
