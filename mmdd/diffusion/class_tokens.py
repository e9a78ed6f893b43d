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
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from mmdd.prompts.captions import CLASS_PROMPT_SEPARATOR, clean_caption

if TYPE_CHECKING:  # annotations only: no transformers import here
    from transformers import PreTrainedTokenizerBase


class PromptTruncatedWarning(UserWarning):
    """The caption was cut to fit CLIP's context; class names were kept."""


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


def _wrap(tokenizer: 'PreTrainedTokenizerBase', ids: List[int]) -> List[int]:
    head, tail = special_tokens(tokenizer)
    return head + ids + tail


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


def _fit_caption(tokenizer: 'PreTrainedTokenizerBase', head: str, tail: str,
                 budget: int) -> List[int]:
    """Ids of ``head + tail``; if too long, ``head`` (the caption) is cut."""
    ids = _ids(tokenizer, head + tail)
    if len(ids) <= budget:
        return ids
    tail_ids = _ids(tokenizer, tail) if tail else []
    keep = budget - len(tail_ids)
    if keep < 0:
        raise ValueError(
            f'the appended class names {tail!r} take {len(tail_ids)} tokens, '
            f'more than the {budget} the text encoder reads: pass fewer '
            'classes')
    warnings.warn(
        f'prompt has {len(ids)} tokens, the text encoder reads {budget}: '
        'the caption was '
        f'cut to its first {keep} tokens, all class names kept: '
        f'{head + tail!r}', PromptTruncatedWarning, stacklevel=3)
    return _ids(tokenizer, head)[:keep] + tail_ids


def build_sample_prompt(tokenizer: 'PreTrainedTokenizerBase', caption: str,
                        class_names: Sequence[str], append: bool = True,
                        max_length: Optional[int] = None) -> SamplePrompt:
    """Both texts of a sample, fitted to the tokenizer's context length.

    A generation text longer than the context (``max_length``, default the
    tokenizer's: 77 for CLIP) is cut on the caption side with a
    :class:`PromptTruncatedWarning`, so no class token is lost;
    ``append=False`` conditions on the caption alone (cut at the end).
    """
    head_ids, tail_ids = special_tokens(tokenizer)
    length = max_length or tokenizer.model_max_length
    budget = length - len(head_ids) - len(tail_ids)
    class_ids, positions = class_token_positions(tokenizer, class_names)
    if len(class_ids) > budget:
        raise ValueError(
            f'the class prompt has {len(class_ids)} tokens, more than the '
            f'{budget} the text encoder reads: pass fewer classes '
            f'({list(class_names)})')
    if append:  # head + tail == append_class_prompt(caption, class_names)
        head = clean_caption(caption)
        tail = (
            CLASS_PROMPT_SEPARATOR +
            ' '.join(class_names) if class_names else '')
    else:
        head, tail = caption, ''
    text_ids = _wrap(tokenizer, _fit_caption(tokenizer, head, tail, budget))
    return SamplePrompt(
        text=head + tail,
        text_ids=text_ids,
        class_prompt_ids=_wrap(tokenizer, class_ids),
        class_positions={
            name: [p + len(head_ids) for p in pos]  # after BOS, if any
            for name, pos in positions.items()
        },
        text_positions={
            name:
            sorted(set(find_token_runs(text_ids, _ids(tokenizer, name))))
            for name in positions
        })
