"""Token ids of one sample's two texts, and where each class's tokens sit.

- the *generation text* ``"<caption>; <class names>"`` (class-prompt
  appending, written by :func:`mmdd.prompts.append_class_prompt`) that
  conditions the image as usual;
- the *class prompt* ``"<class names>"``, encoded on its own; its keys are
  scored against the image queries to read each class's cross-attention map
  (class-prompt cross-attention, see :mod:`mmdd.diffusion.attention`).

A class owns every token of its name (``potted plant`` -> 2 CLIP tokens,
``aeroplane`` -> ``aerop`` + ``lane``), at every place it is written. Any
tokenizer whose words split on spaces works: CLIP (BOS ... EOS) and T5
(SentencePiece, ... ``</s>``, no BOS) for SD3 and FLUX.
"""
import warnings
from dataclasses import dataclass, field
from typing import (TYPE_CHECKING, Callable, Dict, List, Optional, Sequence,
                    Tuple)

from mmdd.prompts.captions import CLASS_PROMPT_SEPARATOR, clean_caption

if TYPE_CHECKING:  # annotations only: no transformers import here
    from transformers import PreTrainedTokenizerBase


class PromptTruncatedWarning(UserWarning):
    """A text encoder read only part of the generation text: the caption
    was cut (class names appended to it are kept)."""


@dataclass(frozen=True)
class SamplePrompt:
    """Token ids (with BOS/EOS, unpadded) of one sample's two texts."""
    text: str  # the generation text as written, before any truncation
    text_ids: List[int]
    class_prompt_ids: List[int]
    # Each distinct class name (first-appearance order) -> its token
    # positions in ``class_prompt_ids``.
    class_positions: Dict[str, List[int]]
    # The same names -> every place their tokens appear in ``text_ids``
    # (empty for a name the text never writes, e.g. a caption that says
    # "box" for "square" without class-prompt appending).
    text_positions: Dict[str, List[int]] = field(default_factory=dict)
    # Tokens (special ones included) of the whole generation text, before
    # any cut: more than ``len(text_ids)`` when the encoder cut it.
    full_length: int = 0
    # The names the whole text writes and the cut one leaves no token of.
    cut_names: Tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        """Whether the encoder read only part of the generation text."""
        return self.full_length > len(self.text_ids)


def _ids(tokenizer: 'PreTrainedTokenizerBase', text: str) -> List[int]:
    return tokenizer(text, add_special_tokens=False).input_ids


def special_tokens(
        tokenizer: 'PreTrainedTokenizerBase') -> Tuple[List[int], List[int]]:
    """The ids the tokenizer puts before and after a text (CLIP: BOS, EOS;
    T5: none, ``</s>``), read off its own output."""
    bare = _ids(tokenizer, 'a')
    full = tokenizer('a').input_ids
    for start in range(len(full) - len(bare) + 1):
        if full[start:start + len(bare)] == bare:
            return full[:start], full[start + len(bare):]
    raise ValueError(f'{type(tokenizer).__name__} changes the text\'s own '
                     'tokens when it adds its special tokens')


def class_token_positions(
        tokenizer: 'PreTrainedTokenizerBase',
        class_names: Sequence[str]) -> Tuple[List[int], Dict[str, List[int]]]:
    """Token ids of ``' '.join(class_names)`` and each name's positions.

    Positions count from 0 = the first name token (BOS not included). A name
    written twice owns the tokens of both occurrences.
    """
    ids: List[int] = []
    positions: Dict[str, List[int]] = {}
    for name in class_names:
        name_ids = _ids(tokenizer, name)
        if not name_ids:
            raise ValueError(f'class name {name!r} has no tokens')
        positions.setdefault(name, []).extend(
            range(len(ids),
                  len(ids) + len(name_ids)))
        ids += name_ids
    # CLIP splits words on spaces before BPE, so names tokenized one by one
    # must equal the joined text; a tokenizer where context matters would
    # silently shift the positions.
    if ids != _ids(tokenizer, ' '.join(class_names)):
        raise ValueError(
            f'{type(tokenizer).__name__} tokenizes {list(class_names)} '
            'differently alone and joined; class token positions would be '
            'wrong. Use a tokenizer that splits words on spaces (CLIP, T5).')
    return ids, positions


def find_token_runs(ids: Sequence[int], run: Sequence[int]) -> List[int]:
    """Positions in ``ids`` covered by each occurrence of ``run``."""
    width = len(run)
    positions: List[int] = []
    for start in range(len(ids) - width + 1):
        if list(ids[start:start + width]) == list(run):
            positions.extend(range(start, start + width))
    return positions


def too_long(what: str, tokens: int, length: int, encoder: str,
             setting: Optional[str]) -> str:
    """``what`` has more tokens than ``encoder`` reads, and both fixes."""
    fix = (f'raise {setting} (now {length}) to {tokens}, or pass fewer '
           'classes' if setting else f'{encoder} reads a fixed {length}: '
           'pass fewer classes')
    return (f'{what}: {tokens} tokens (special tokens included), more '
            f'than the {length} that {encoder} reads; {fix}')


def _fit_caption(
        tokenizer: 'PreTrainedTokenizerBase', head: str, tail: str,
        budget: int, message: Callable[[str, int],
                                       str]) -> Tuple[List[int], List[int]]:
    """Ids of ``head + tail`` (cut on the ``head``, the caption's, side to
    fit ``budget``) and of the whole text."""
    ids = _ids(tokenizer, head + tail)
    if len(ids) <= budget:
        return ids, ids
    tail_ids = _ids(tokenizer, tail) if tail else []
    keep = budget - len(tail_ids)
    if keep < 0:
        raise ValueError(
            message(f'the appended class names {tail!r}', len(tail_ids)))
    return _ids(tokenizer, head)[:keep] + tail_ids, ids


def build_sample_prompt(tokenizer: 'PreTrainedTokenizerBase', caption: str,
                        class_names: Sequence[str], append: bool = True,
                        max_length: Optional[int] = None, warn: bool = True,
                        encoder: str = 'the text encoder',
                        setting: Optional[str] = None) -> SamplePrompt:
    """Both texts of a sample, fitted to the tokenizer's context length.

    A generation text longer than the context (``max_length``, default the
    tokenizer's: 77 for CLIP) is cut on the caption side, so no appended
    class token is lost (``warn``: with a :class:`PromptTruncatedWarning`;
    the text conditioning warns per encoder itself); ``append=False``
    conditions on the caption alone (cut at the end). A class prompt (or
    appended names) longer than the context is a ValueError naming
    ``encoder`` and the fixes (``setting``: what sets its length, None
    when fixed).
    """
    bos, eos = special_tokens(tokenizer)
    length = max_length or tokenizer.model_max_length
    budget = length - len(bos) - len(eos)

    def message(what: str, tokens: int) -> str:
        return too_long(what, tokens + len(bos) + len(eos), length, encoder,
                        setting)

    class_ids, positions = class_token_positions(tokenizer, class_names)
    if len(class_ids) > budget:
        raise ValueError(
            message(f'the class prompt {" ".join(class_names)!r}',
                    len(class_ids)))
    if append:  # head + tail == append_class_prompt(caption, class_names)
        head = clean_caption(caption)
        tail = (
            CLASS_PROMPT_SEPARATOR +
            ' '.join(class_names) if class_names else '')
    else:
        head, tail = caption, ''
    kept, whole = _fit_caption(tokenizer, head, tail, budget, message)
    text_ids, whole_ids = bos + kept + eos, bos + whole + eos
    name_ids = {name: _ids(tokenizer, name) for name in positions}
    text_positions = {
        name: sorted(set(find_token_runs(text_ids, ids)))
        for name, ids in name_ids.items()
    }
    prompt = SamplePrompt(
        text=head + tail,
        text_ids=text_ids,
        class_prompt_ids=bos + class_ids + eos,
        class_positions={
            name: [p + len(bos) for p in pos]  # after BOS, if any
            for name, pos in positions.items()
        },
        text_positions=text_positions,
        full_length=len(whole_ids),
        cut_names=tuple(name for name, ids in name_ids.items()
                        if not text_positions[name] and len(whole) > len(kept)
                        and find_token_runs(whole_ids, ids)))
    if warn and prompt.truncated:
        caption = len(kept) - len(_ids(tokenizer, tail) if tail else [])
        warnings.warn(
            f'prompt has {len(whole)} tokens, {encoder} reads {budget}: the '
            f'caption was cut to its first {caption} tokens, all class names '
            f'kept: {prompt.text!r}', PromptTruncatedWarning, stacklevel=2)
    return prompt
