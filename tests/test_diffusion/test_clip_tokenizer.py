"""The CLIP tokenizer trimmed to a word list tokenizes those words exactly
as the full one does."""
import pytest

from mmdd.diffusion.clip_tokenizer import CLIP_VOCAB_SIZE, clip_tokenizer

WORDS = ['circle', 'squares', 'aeroplane', 'potted', 'plant', 'a', ',', ';']


@pytest.fixture(scope='module')
def full(tokenizer):
    return tokenizer


@pytest.fixture(scope='module')
def trimmed():
    return clip_tokenizer(words=WORDS, model_max_length=24)


def _tokens(tokenizer, text):
    return tokenizer.convert_ids_to_tokens(tokenizer(text).input_ids)


def test_trimmed_vocabulary_is_small(full, trimmed):
    assert len(full) == CLIP_VOCAB_SIZE
    assert 512 < len(trimmed) < 600  # 512 byte tokens + merges + 2 special
    assert trimmed.model_max_length == 24


@pytest.mark.parametrize(
    'text',
    ['a circle , squares ; aeroplane', 'potted plant', 'a potted aeroplane'])
def test_listed_words_tokenize_as_with_full_clip(full, trimmed, text):
    assert _tokens(trimmed, text) == _tokens(full, text)


def test_other_words_fall_back_to_pieces_never_unknown(trimmed):
    tokens = _tokens(trimmed, 'zebra circle')
    assert tokens[0] == '<|startoftext|>' and tokens[-1] == '<|endoftext|>'
    assert ''.join(tokens[1:-1]).replace('</w>',
                                         ' ').split() == ['zebra', 'circle']
    assert 'circle</w>' in tokens
