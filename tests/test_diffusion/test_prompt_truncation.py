"""Issue 36, findings 1 and 2: every encoder that cuts the text says so, and
a cut that would silently empty a class's label is refused.

Only the public API (``mmdd.diffusion``, ``mmdd.testing``) is used, so the
same file runs against older trees.
"""
import warnings

import pytest

from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            PromptTruncatedWarning, SampleRequest)
from mmdd.testing import build_random_dit_pipeline

CLASSES = ['background', 'axolotl', 'dog']
CAPTION = ('a photo of an axolotl in the water next to a small brown dog on '
           'the grass')  # 24 tiny-T5 tokens, 'dog' after the 15th
LONG = ' '.join([CAPTION] * 6)  # over CLIP's 77, within T5's 512


@pytest.fixture(scope='module')
def flux():
    pipeline = build_random_dit_pipeline('flux-tiny')
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


@pytest.fixture(scope='module')
def sd3():
    pipeline = build_random_dit_pipeline('sd3-tiny')
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def generate(pipeline, caption=CAPTION, keep_attention=False, **config):
    config = dict(num_inference_steps=1, height=64, width=64, **config)
    generator = LabelledImageGenerator(pipeline, CLASSES,
                                       GenerationConfig(**config))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        sample, = generator.generate([SampleRequest(caption, [1, 2], 3)],
                                     keep_attention)
    cuts = [
        str(w.message) for w in caught
        if issubclass(w.category, PromptTruncatedWarning)
    ]
    return sample, cuts


@pytest.mark.parametrize('append', [False, True])
def test_a_t5_cut_is_warned_naming_t5_and_the_setting(flux, append):
    """The caption fits CLIP but not 16 T5 tokens: one warning, T5's."""
    _, cuts = generate(flux, max_sequence_length=16,
                       append_class_prompt=append)
    assert len(cuts) == 1, cuts
    total = 24 if not append else 33  # '; axolotl dog' adds 9
    assert cuts[0].startswith(
        f"T5 (text_encoder_2) read 16 of the generation text's {total} "
        'tokens')
    assert f'raise max_sequence_length (now 16) to {total}' in cuts[0]
    assert 'CLIP' not in cuts[0]


def test_sd3_warns_for_t5_alone_when_only_t5_cut(sd3):
    _, cuts = generate(sd3, max_sequence_length=16, guidance_scale=1.0)
    assert len(cuts) == 1, cuts
    assert cuts[0].startswith('T5 (text_encoder_3) read 16 of')
    assert 'max_sequence_length' in cuts[0]


def test_a_clip_cut_of_flux_says_t5_kept_it_all(flux):
    """FLUX's image reads T5 only; CLIP's cut touches the pooled vector."""
    _, cuts = generate(flux, caption=LONG)  # T5 at its default 512
    assert len(cuts) == 1, cuts
    message = cuts[0]
    assert message.startswith('CLIP (text_encoder) read 77 of')
    assert 'only the pooled vector' in message
    assert 'T5 (text_encoder_2), which conditions the image, read all 148' \
        in message
    assert 'max_sequence_length' not in message  # nothing to raise there


def test_clips_that_cut_alike_share_one_warning(sd3):
    """SD3's two CLIPs read the same 77 tokens: one warning names both;
    T5 at 256 keeps everything."""
    _, cuts = generate(sd3, caption=LONG, guidance_scale=1.0)
    assert len(cuts) == 1, cuts
    assert cuts[0].startswith('CLIP (text_encoder, text_encoder_2) read 77 of')
    assert 'CLIP reads a fixed 77: shorten the caption or pass fewer ' \
        'classes' in cuts[0]


def test_an_uncut_text_does_not_warn(flux):
    _, cuts = generate(flux, max_sequence_length=33)  # exactly fits
    assert cuts == []


def test_a_class_cut_from_a_text_label_is_an_error(flux):
    """label_source='text' without appending: 'dog' is past T5's 16th
    token; its label would be empty without a word."""
    with pytest.raises(ValueError) as err:
        generate(flux, max_sequence_length=16, append_class_prompt=False,
                 label_source='text')
    message = str(err.value)
    assert "before ['dog']" in message  # the class, not 'axolotl'
    assert repr(CAPTION) in message  # the sample
    assert 'T5 (text_encoder_2)' in message
    assert 'raise max_sequence_length to 24' in message
    assert 'append_class_prompt=True' in message


def test_a_class_kept_by_the_cut_labels_as_before(flux):
    """The same caption read whole, or cut with the names appended, gives
    both classes text columns to be labelled from."""
    whole, _ = generate(flux, max_sequence_length=24, keep_attention=True,
                        append_class_prompt=False, label_source='text')
    appended, cuts = generate(flux, max_sequence_length=16,
                              keep_attention=True, label_source='text')
    assert len(cuts) == 1  # cut, but the appended names are kept
    for sample in (whole, appended):
        axolotl, dog = sample.attention.text_positions
        assert axolotl and dog


def test_a_class_prompt_longer_than_t5_names_both_fixes(flux):
    """Finding 2, at generate(): 'axolotl dog' is 9 tiny-T5 tokens."""
    with pytest.raises(ValueError) as err:
        generate(flux, max_sequence_length=4)
    message = str(err.value)
    assert "the class prompt 'axolotl dog': 9 tokens" in message
    assert 'T5 (text_encoder_2)' in message
    assert 'raise max_sequence_length (now 4) to 9, or pass fewer ' \
        'classes' in message


def test_sd3_reads_a_text_label_from_clip_or_t5(sd3):
    """SD3's text columns are CLIP's and T5's: a class CLIP cut but T5
    kept still labels; cut from both, it is an error naming both."""
    caption = 'a photo of ' + 'big ' * 80 + 'dog'  # 'dog' past CLIP's 77
    text_labels = dict(append_class_prompt=False, label_source='text',
                       guidance_scale=1.0)
    _, cuts = generate(sd3, caption, **text_labels)  # T5 reads 256
    assert len(cuts) == 1 and cuts[0].startswith('CLIP (text_encoder, ')
    with pytest.raises(ValueError) as err:
        generate(sd3, caption, max_sequence_length=16, **text_labels)
    message = str(err.value)
    assert 'CLIP (text_encoder, text_encoder_2) and T5 (text_encoder_3) cut' \
        in message
    assert 'shorten the caption to the 77 tokens CLIP reads or raise ' \
        'max_sequence_length to 85' in message
