"""SD3 / SD3.5 (``StableDiffusion3Pipeline``): two CLIPs, then T5.

The penultimate states of both CLIP encoders, concatenated along features
and zero-padded to T5's width, then the T5 states after them along the
sequence: 77 CLIP tokens, then ``max_sequence_length`` T5 tokens (256 by
default). A class word sits twice in that sequence, at its CLIP and at its
T5 positions; both count. Pooled: both CLIP projections concatenated.

Without T5 (``text_encoder_3=None``, whether or not ``tokenizer_3`` is
kept) the pipeline feeds zero states in T5's place: those tokens name no
class, and labels are those of a pipeline with neither.
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from diffusers import StableDiffusion3Pipeline

from ..class_tokens import SamplePrompt
from .base import (TextEmbeddings, TextEncoder, TokenIds, clip_encoder,
                   padded_ids)
from .t5 import DiTTextConditioning, field_of, length_of


class SD3TextConditioning(DiTTextConditioning):
    family = 'sd3'

    def __init__(self, pipeline: StableDiffusion3Pipeline,
                 max_sequence_length: Optional[int] = None):
        super().__init__(pipeline, max_sequence_length)
        self.clip_length = self.lengths[0]

    def text_encoders(self,
                      pipeline: StableDiffusion3Pipeline) -> List[TextEncoder]:
        encoders = [clip_encoder(pipeline), clip_encoder(pipeline, '_2')]
        if pipeline.text_encoder_3 is not None:  # else zeros: no T5 tokens
            encoders.append(self.t5_encoder(pipeline, '_3'))
        return encoders

    @property
    def sequence_length(self) -> int:
        return self.clip_length + self.t5_length

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        pipeline = self.pipeline
        states, pooled = [], []
        encoders = (pipeline.text_encoder, pipeline.text_encoder_2)
        for tokenizer, encoder, token_ids in zip(self.clip_tokenizers,
                                                 encoders, ids):
            padded = padded_ids(token_ids, tokenizer.model_max_length,
                                tokenizer.pad_token_id, encoder.device)
            output = encoder(padded, output_hidden_states=True)
            pooled.append(output[0])
            states.append(output.hidden_states[-2].to(encoder.dtype))
        clip = torch.cat(states, dim=-1)
        width = pipeline.transformer.config.joint_attention_dim
        if pipeline.text_encoder_3 is None:  # as the pipeline: zeros
            t5 = clip.new_zeros(clip.shape[0], self.t5_length, width)
        else:
            t5 = self._t5_states(ids[2], pipeline.text_encoder_3)
        clip = F.pad(clip, (0, t5.shape[-1] - clip.shape[-1]))
        return TextEmbeddings(
            torch.cat([clip, t5], dim=-2), torch.cat(pooled, dim=-1))

    def pipeline_inputs(self, text: TextEmbeddings,
                        negative: TextEmbeddings) -> Dict[str, torch.Tensor]:
        return dict(prompt_embeds=text.states,
                    negative_prompt_embeds=negative.states,
                    pooled_prompt_embeds=text.pooled,
                    negative_pooled_prompt_embeds=negative.pooled,
                    max_sequence_length=self.t5_length)

    def columns(self, prompts: Sequence[SamplePrompt],
                which: str) -> Dict[str, List[int]]:
        clip = field_of(prompts[0], which)
        t5 = field_of(prompts[2], which) if len(prompts) > 2 else {}
        return {
            name:
            clip[name] + [self.clip_length + p for p in t5.get(name, [])]
            for name in clip
        }

    def meaningful_columns(
            self, prompts: Sequence[Sequence[SamplePrompt]]) -> List[int]:
        clip = max(length_of(p[0], 'class') for p in prompts)
        t5 = max(
            length_of(p[2], 'class') if len(p) > 2 else 0 for p in prompts)
        return list(range(clip)) + [self.clip_length + i for i in range(t5)]
