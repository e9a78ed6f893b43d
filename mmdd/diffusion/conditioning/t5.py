"""What SD3 / SD3.5 and FLUX.1 share: CLIP encoders, then T5.

Each encoder's ids are cut to its own length: 77 for CLIP,
``max_sequence_length`` for T5 (the pipelines' defaults: 256 for SD3, 512
for FLUX). T5 adds ``</s>`` and no BOS; positions are read off the
tokenizer (:func:`mmdd.diffusion.class_tokens.special_tokens`), so
multi-token names work as with CLIP. The families are :mod:`.sd3` and
:mod:`.flux`.
"""
from typing import Dict, List, Optional, Sequence

import torch

from ..class_tokens import SamplePrompt
from .base import TextConditioning, TextEncoder, padded_ids

DEFAULT_T5_LENGTH = {'sd3': 256, 'flux': 512}  # the pipelines' defaults


class DiTTextConditioning(TextConditioning):
    """Shared by SD3 and FLUX: ``t5_length`` and the T5 states."""

    family = ''

    def __init__(self, pipeline, max_sequence_length: Optional[int] = None):
        self.t5_length = (
            DEFAULT_T5_LENGTH[self.family]
            if max_sequence_length is None else max_sequence_length)
        if self.t5_length < 0:
            raise ValueError(
                f'max_sequence_length must be >= 0, got {self.t5_length}')
        super().__init__(pipeline, max_sequence_length)

    def t5_encoder(self, pipeline, suffix: str) -> TextEncoder:
        """``tokenizer{suffix}`` / ``text_encoder{suffix}``: T5, reading
        ``max_sequence_length`` tokens."""
        tokenizer = getattr(pipeline, 'tokenizer' + suffix)
        if tokenizer is None:
            raise ValueError(
                f'this {self.family.upper()} pipeline has '
                f'text_encoder{suffix} (T5) but no tokenizer{suffix}: load '
                'both, or neither')
        return TextEncoder('T5', 'text_encoder' + suffix, tokenizer,
                           self.t5_length, 'max_sequence_length')

    @property
    def clip_tokenizers(self) -> list:
        return [e.tokenizer for e in self.encoders if e.kind == 'CLIP']

    @property
    def t5_tokenizer(self):
        """None where the text has no T5 tokens (SD3 without T5)."""
        return next((e.tokenizer for e in self.encoders if e.kind == 'T5'),
                    None)

    @property
    def sequence_length(self) -> int:
        """Tokens of an encoded text (the columns of the text block)."""
        raise NotImplementedError

    def _t5_states(self, ids: Sequence[List[int]], encoder) -> torch.Tensor:
        tokenizer = self.t5_tokenizer
        padded = padded_ids(ids, self.t5_length, tokenizer.pad_token_id,
                            encoder.device)
        return encoder(padded)[0].to(encoder.dtype)

    def meaningful_columns(
            self, prompts: Sequence[Sequence[SamplePrompt]]) -> List[int]:
        """Columns of the class prompt that hold tokens (not padding) in
        any sample: the side stream carries only these."""
        raise NotImplementedError


def field_of(prompt: SamplePrompt, which: str) -> Dict[str, List[int]]:
    """The class prompt's (``'class'``) or the text's positions."""
    return prompt.class_positions if which == 'class' else (
        prompt.text_positions)


def length_of(prompt: SamplePrompt, which: str) -> int:
    """Tokens of the class prompt (``'class'``) or the text."""
    return len(prompt.class_prompt_ids if which ==
               'class' else prompt.text_ids)
