"""What every text conditioning shares: one sample prompt per text encoder,
cut to that encoder's length, and what a cut cost, reported.

The generator works on token ids, not strings: a long generation text is cut
on the caption side (class names kept) and the class prompt's token
positions must be exact. So the ids are encoded by the family modules
(:mod:`.clip`, :mod:`.sd3`, :mod:`.flux`) by the rule of the pipeline's own
``encode_prompt`` (tests compare both), and the embeddings are handed to the
unmodified pipeline. Ids are passed per tokenizer: ``ids[k][i]`` is sample
``i`` by tokenizer ``k``, in the pipeline's tokenizer order.

Each encoder that really cut a text gets one :class:`PromptTruncatedWarning`
(encoders that cut alike share it), naming it, the tokens it kept of the
total and what to raise. With ``label_source='text'`` a class that the cut
left no token of, in every encoder its columns are read from, is a
ValueError: its label would silently be empty (docs/method.md).
"""
import warnings
from dataclasses import dataclass
from typing import (TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence,
                    Tuple)

import torch

from ..class_tokens import (PromptTruncatedWarning, SamplePrompt,
                            build_sample_prompt)

if TYPE_CHECKING:  # annotations only
    from transformers import PreTrainedTokenizerBase

TokenIds = Sequence[Sequence[List[int]]]  # [tokenizer][sample] -> ids


@dataclass
class TextEmbeddings:
    states: torch.Tensor  # (batch, tokens, dim): the denoiser's text input
    pooled: Optional[torch.Tensor] = None  # (batch, dim): SDXL, SD3, FLUX


def padded_ids(ids: Sequence[List[int]], length: int, pad_id: int,
               device: torch.device) -> torch.Tensor:
    """A batch of ids padded to ``length`` with ``pad_id``."""
    return torch.tensor([list(i) + [pad_id] * (length - len(i)) for i in ids],
                        device=device)


@dataclass(frozen=True)
class TextEncoder:
    """One tokenizer / text encoder pair of a pipeline, as read here."""
    kind: str  # 'CLIP' or 'T5'
    part: str  # the pipeline attribute of the encoder, e.g. 'text_encoder_3'
    tokenizer: 'PreTrainedTokenizerBase'
    length: int  # tokens it reads, special tokens included
    setting: Optional[str] = None  # what sets ``length`` (None: fixed)
    in_sequence: bool = True  # False: it gives the pooled vector only

    @property
    def name(self) -> str:
        return f'{self.kind} ({self.part})'


def clip_encoder(pipeline, suffix: str = '',
                 in_sequence: bool = True) -> TextEncoder:
    """``tokenizer{suffix}`` / ``text_encoder{suffix}``: a CLIP, whose 77
    tokens are fixed."""
    tokenizer = getattr(pipeline, 'tokenizer' + suffix)
    return TextEncoder('CLIP', 'text_encoder' + suffix, tokenizer,
                       tokenizer.model_max_length, None, in_sequence)


class TextConditioning:
    """The shared half of a pipeline's text rule. A family sets
    :meth:`text_encoders` and says how ids become embeddings (``encode``,
    ``pipeline_inputs``) and where each class's columns are
    (:meth:`columns`). ``max_sequence_length`` is T5's length (SD3 / FLUX;
    None: the pipeline's default); CLIP-only families ignore it."""

    uses_negative = True  # the pipeline batches a negative branch (CFG)

    def __init__(self, pipeline, max_sequence_length: Optional[int] = None):
        self.pipeline = pipeline
        self.encoders = self.text_encoders(pipeline)
        self.tokenizers = [e.tokenizer for e in self.encoders]
        self.lengths = [e.length for e in self.encoders]

    def text_encoders(self, pipeline) -> List[TextEncoder]:
        """The encoders whose ids are encoded, in the pipeline's order.
        Reads only ``tokenizer*`` and ``text_encoder*`` (whether each is
        there) of ``pipeline``."""
        raise NotImplementedError

    def columns(self, prompts: Sequence[SamplePrompt],
                which: str) -> Dict[str, List[int]]:
        """Each class's columns in the encoded sequence: ``which`` is
        ``'class'`` (the class prompt) or ``'text'`` (the generation
        text)."""
        raise NotImplementedError

    def sample_prompts(
            self, caption: str, class_names: Sequence[str], append: bool,
            label_source: Optional[str] = None) -> List[SamplePrompt]:
        """A sample's texts as each encoder splits and cuts them; cuts
        warned about; with ``label_source='text'``, a class the cut
        removed is a ValueError."""
        prompts = [
            build_sample_prompt(e.tokenizer, caption, class_names, append,
                                max_length=e.length, warn=False,
                                encoder=e.name, setting=e.setting)
            for e in self.encoders
        ]
        self._check_clips_split_alike(prompts, class_names)
        for message in cut_messages(self.encoders, prompts, append):
            warnings.warn(message, PromptTruncatedWarning, stacklevel=2)
        if label_source == 'text':
            self._check_text_labels(prompts, class_names)
        return prompts

    def _check_clips_split_alike(self, prompts: Sequence[SamplePrompt],
                                 class_names: Sequence[str]) -> None:
        """SDXL and SD3 join their CLIPs' states column by column."""
        clip = [p for e, p in zip(self.encoders, prompts) if e.kind == 'CLIP']
        if any(p.class_prompt_ids != clip[0].class_prompt_ids for p in clip):
            count = 'two' if len(clip) == 2 else len(clip)
            raise ValueError(
                f'the class prompt {" ".join(class_names)!r} splits '
                f'differently in the {count} CLIP tokenizers (a "!" in a '
                'class name?); rename the class')

    def _check_text_labels(self, prompts: Sequence[SamplePrompt],
                           class_names: Sequence[str]) -> None:
        cut = {name for p in prompts for name in p.cut_names}
        columns = self.columns(prompts, 'text')
        lost = [n for n in dict.fromkeys(class_names) if n in cut]
        lost = [n for n in lost if not columns[n]]
        if not lost:
            return
        cutting = [(e, p) for e, p in zip(self.encoders, prompts)
                   if set(lost) & set(p.cut_names)]
        cutting = [(e, p) for e, p in cutting if e.in_sequence] or cutting
        fixes = dict.fromkeys(
            f'raise {e.setting} to {p.full_length}' if e.setting else
            f'shorten the caption to the {e.length} tokens {e.kind} reads'
            for e, p in cutting)
        raise ValueError(
            "label_source='text' labels a class where the generation text "
            f'names it, and {_names(e for e, _ in cutting)} cut the text '
            f'{prompts[0].text!r} before {lost}: the label of this sample '
            f'would miss {"it" if len(lost) == 1 else "them"}. Fix: '
            f'{" or ".join(fixes)}; or set append_class_prompt=True '
            "(appended class names are never cut) or label_source="
            "'class_prompt'.")

    def negative_ids(self, text: str) -> List[List[List[int]]]:
        """``text`` by each tokenizer, cut at its length, as a batch of 1."""
        return [[
            e.tokenizer(text, truncation=True, max_length=e.length).input_ids
        ] for e in self.encoders]


def cut_messages(encoders: Sequence[TextEncoder],
                 prompts: Sequence[SamplePrompt], append: bool) -> List[str]:
    """One message per group of encoders that cut the text alike: which,
    the tokens kept of the total, what to change."""
    groups: Dict[Tuple, List[TextEncoder]] = {}
    for encoder, prompt in zip(encoders, prompts):
        if prompt.truncated:
            key = (encoder.kind,
                   encoder.length, encoder.setting, encoder.in_sequence,
                   len(prompt.text_ids), prompt.full_length)
            groups.setdefault(key, []).append(encoder)
    kept_all = [(e, p) for e, p in zip(encoders, prompts)
                if e.in_sequence and not p.truncated]
    return [
        _cut_message(group, kept, total, prompts[0].text, append, kept_all)
        for (*_, kept, total), group in groups.items()
    ]


def _names(encoders: Iterable[TextEncoder]) -> str:
    """``CLIP (text_encoder, text_encoder_2) and T5 (text_encoder_3)``."""
    parts: Dict[str, List[str]] = {}
    for encoder in encoders:
        parts.setdefault(encoder.kind, []).append(encoder.part)
    return ' and '.join(f'{kind} ({", ".join(names)})'
                        for kind, names in parts.items())


def _cut_message(group: List[TextEncoder], kept: int, total: int, text: str,
                 append: bool, kept_all: List[Tuple[TextEncoder,
                                                    SamplePrompt]]) -> str:
    first = group[0]
    what = ('the caption was cut, all class names kept'
            if append else 'the caption was cut at its end')
    if first.setting:
        fix = f'raise {first.setting} (now {first.length}) to {total}'
    else:
        fix = (f'{first.kind} reads a fixed {first.length}: shorten the '
               'caption' + (' or pass fewer classes' if append else ''))
    if not first.in_sequence:  # FLUX's CLIP: the pooled vector only
        fix = f'it gives only the pooled vector here ({fix})'
        if kept_all:
            fix += (f'; {_names(e for e, _ in kept_all)}, which conditions '
                    f'the image, read all {kept_all[0][1].full_length}')
    return (f'{_names(group)} read {kept} of the generation text\'s {total} '
            f'tokens: {what}; {fix}: {text!r}')
