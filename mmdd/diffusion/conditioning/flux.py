"""FLUX.1 (``FluxPipeline``): T5 states only, CLIP for the pooled vector.

The image reads the T5 states (512 tokens by default); CLIP's only output
used is its pooled vector, so class columns are T5 positions, and a caption
cut by CLIP but kept whole by T5 changes nothing but that vector.
FLUX.1 is guidance-distilled: no negative branch is encoded.
"""
from typing import Dict, List, Sequence

import torch
from diffusers import FluxPipeline

from ..class_tokens import SamplePrompt
from .base import (TextEmbeddings, TextEncoder, TokenIds, clip_encoder,
                   padded_ids)
from .t5 import DiTTextConditioning, field_of, length_of


class FluxTextConditioning(DiTTextConditioning):
    family = 'flux'
    uses_negative = False  # guidance-distilled: no negative branch

    def text_encoders(self, pipeline: FluxPipeline) -> List[TextEncoder]:
        return [
            clip_encoder(pipeline, in_sequence=False),
            self.t5_encoder(pipeline, '_2')
        ]

    @property
    def sequence_length(self) -> int:
        return self.t5_length

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        pipeline = self.pipeline
        tokenizer, encoder = pipeline.tokenizer, pipeline.text_encoder
        padded = padded_ids(ids[0], tokenizer.model_max_length,
                            tokenizer.pad_token_id, encoder.device)
        pooled = encoder(padded, output_hidden_states=False).pooler_output
        states = self._t5_states(ids[1], pipeline.text_encoder_2)
        return TextEmbeddings(states, pooled.to(encoder.dtype))

    def pipeline_inputs(self, text: TextEmbeddings,
                        negative: TextEmbeddings) -> Dict[str, torch.Tensor]:
        """FLUX.1 is guidance-distilled: no negative branch (true CFG is a
        second transformer call, not used here)."""
        return dict(prompt_embeds=text.states,
                    pooled_prompt_embeds=text.pooled,
                    max_sequence_length=self.t5_length)

    def columns(self, prompts: Sequence[SamplePrompt],
                which: str) -> Dict[str, List[int]]:
        return dict(field_of(prompts[1], which))

    def meaningful_columns(
            self, prompts: Sequence[Sequence[SamplePrompt]]) -> List[int]:
        return list(range(max(length_of(p[1], 'class') for p in prompts)))
