"""A T5-style (SentencePiece Unigram) tokenizer built offline from a word list.

Real SD3 / FLUX checkpoints ship T5's 32k-piece SentencePiece model; the hub
is out of reach here, so the random DiT pipelines get a tokenizer of the
same kind: ``T5TokenizerFast`` built from a vocabulary list (transformers 5
needs no model file). Each known word is one piece (``▁cat``), anything else
falls back to single characters, and only ``</s>`` is added at the end (T5
has no BOS), so code that handles T5's special tokens is exercised.
"""
import string
from typing import Iterable, Optional

from transformers import T5TokenizerFast

from mmdd.prompts.class_names import COCO_CATEGORIES, VOC_CLASSES

# Words of generic captions and of the shapes world.
CAPTION_WORDS = (
    'a an the of on in at with and one two three photo picture image some '
    'on top next to near by small large big red blue green yellow purple '
    'white black brown plain striped checkered background circle square '
    'triangle star cross box boxes crosses plus pluses scene sitting '
    'standing man woman people street table room field grass water sky '
    'road is are there front behind'.split())


def _words(extra: Optional[Iterable[str]]) -> list:
    names = [name for name in VOC_CLASSES] + [n for _, n in COCO_CATEGORIES]
    words = [w for name in names for w in name.split()]
    words += list(CAPTION_WORDS) + list(extra or [])
    return list(dict.fromkeys(word.lower() for word in words))


def t5_tokenizer(words: Optional[Iterable[str]] = None,
                 model_max_length: int = 512) -> T5TokenizerFast:
    """A Unigram tokenizer over VOC / COCO class words, caption words and
    ``words``; ids 0, 1, 2 are ``<pad>``, ``</s>``, ``<unk>`` as in T5."""
    vocab = [('<pad>', 0.0), ('</s>', 0.0), ('<unk>', 0.0), ('▁', -2.0)]
    vocab += [('▁' + word, -1.0) for word in _words(words)]
    characters = string.ascii_letters + string.digits + string.punctuation
    vocab += [(c, -5.0) for c in characters]
    return T5TokenizerFast(vocab=vocab, extra_ids=0,
                           model_max_length=model_max_length)
