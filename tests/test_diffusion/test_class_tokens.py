import warnings

import pytest

from mmdd.diffusion.class_tokens import (PromptTruncatedWarning,
                                         build_sample_prompt,
                                         class_token_positions,
                                         find_token_runs)
from mmdd.prompts import append_class_prompt


def test_real_clip_vocabulary(tokenizer):
    # Ids of the public CLIP tokenizer: the offline one is the real one.
    assert tokenizer('a photo of a cat').input_ids == [
        49406, 320, 1125, 539, 320, 2368, 49407
    ]
    assert tokenizer.model_max_length == 77


@pytest.mark.parametrize('name, tokens', [
    ('potted plant', ['potted</w>', 'plant</w>']),
    ('tv monitor', ['tv</w>', 'monitor</w>']),
    ('aeroplane', ['aerop', 'lane</w>']),
    ('dog', ['dog</w>']),
])
def test_multi_token_class_names(tokenizer, name, tokens):
    ids, positions = class_token_positions(tokenizer, ['cat', name])
    assert positions['cat'] == [0]
    assert tokenizer.convert_ids_to_tokens([ids[p] for p in positions[name]
                                            ]) == tokens


def test_positions_index_the_class_prompt(tokenizer):
    names = ['person', 'potted plant', 'person', 'aeroplane']
    prompt = build_sample_prompt(tokenizer, 'people in a garden', names)
    # The class prompt is exactly what the tokenizer makes of the names.
    assert prompt.class_prompt_ids == tokenizer(' '.join(names)).input_ids
    tokens = tokenizer.convert_ids_to_tokens(prompt.class_prompt_ids)
    assert list(
        prompt.class_positions) == ['person', 'potted plant', 'aeroplane']
    # A repeated class owns the tokens of both occurrences.
    assert [tokens[p] for p in prompt.class_positions['person']
            ] == ['person</w>', 'person</w>']
    assert [tokens[p] for p in prompt.class_positions['potted plant']
            ] == ['potted</w>', 'plant</w>']
    assert [tokens[p] for p in prompt.class_positions['aeroplane']
            ] == ['aerop', 'lane</w>']


def test_generation_text_is_what_the_pipeline_would_tokenize(tokenizer):
    prompt = build_sample_prompt(tokenizer, 'a dog on a couch.',
                                 ['dog', 'sofa'])
    assert prompt.text == 'a dog on a couch.; dog sofa'
    assert prompt.text == append_class_prompt('a dog on a couch.',
                                              ['dog', 'sofa'])
    assert prompt.text_ids == tokenizer(prompt.text).input_ids


@pytest.mark.parametrize('caption,classes', [
    ('  a dog;  on a couch ; ', ['dog', 'sofa']),
    ('a dog, ', ['dog']),
    ('a  plain   caption', []),
])
def test_generation_text_uses_the_one_caption_cleaner(tokenizer, caption,
                                                      classes):
    # One separator, whatever the caption holds: the text the generator
    # reads is exactly the prompt tools' text.
    prompt = build_sample_prompt(tokenizer, caption, classes)
    assert prompt.text == append_class_prompt(caption, classes)
    assert prompt.text.count(';') == (1 if classes else 0)


def test_no_append_conditions_on_the_caption(tokenizer):
    prompt = build_sample_prompt(tokenizer, 'a dog', ['dog'], append=False)
    assert prompt.text == 'a dog'
    assert prompt.text_ids == tokenizer('a dog').input_ids
    assert prompt.class_prompt_ids == tokenizer('dog').input_ids


def test_long_caption_is_cut_on_the_caption_side(tokenizer):
    caption = ' '.join(['a very long and winding caption'] * 20)
    names = ['potted plant', 'tv monitor', 'dining table']
    with pytest.warns(PromptTruncatedWarning, match='caption was cut'):
        prompt = build_sample_prompt(tokenizer, caption, names)
    assert len(prompt.text_ids) == 77
    tail = tokenizer('; potted plant tv monitor dining table',
                     add_special_tokens=False).input_ids
    assert prompt.text_ids[-1] == tokenizer.eos_token_id
    assert prompt.text_ids[-1 - len(tail):-1] == tail
    head = tokenizer(caption, add_special_tokens=False).input_ids
    assert prompt.text_ids[1:-1 - len(tail)] == head[:75 - len(tail)]


def test_short_prompt_does_not_warn(tokenizer):
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        build_sample_prompt(tokenizer, 'a cat', ['cat'])


def test_too_many_class_tokens_is_an_error(tokenizer):
    with pytest.raises(ValueError, match='fewer classes'):
        build_sample_prompt(tokenizer, 'x', ['potted plant'] * 40)


def test_text_positions_find_every_written_class_name(tokenizer):
    names = ['potted plant', 'sofa', 'dog']
    prompt = build_sample_prompt(
        tokenizer, 'a dog and a potted plant by a '
        'couch, the dog sleeps', names)
    tokens = tokenizer.convert_ids_to_tokens(prompt.text_ids)
    # Caption words and the appended names: every occurrence.
    assert [tokens[p] for p in prompt.text_positions['dog']] == ['dog</w>'] * 3
    assert [tokens[p] for p in prompt.text_positions['potted plant']
            ] == ['potted</w>', 'plant</w>'] * 2
    assert [tokens[p] for p in prompt.text_positions['sofa']] == ['sofa</w>']
    # Without appending, a synonym ("couch") is not the class's name.
    caption_only = build_sample_prompt(tokenizer, 'a dog on a couch', names,
                                       append=False)
    assert caption_only.text_positions['sofa'] == []
    assert caption_only.text_positions['potted plant'] == []
    assert len(caption_only.text_positions['dog']) == 1


def test_token_runs_match_whole_runs_only():
    assert find_token_runs([5, 1, 2, 9, 1, 2, 1], [1, 2]) == [1, 2, 4, 5]
    assert find_token_runs([1, 3, 2], [1, 2]) == []
    assert find_token_runs([1], [1, 2]) == []
