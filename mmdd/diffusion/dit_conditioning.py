"""Text conditioning of SD3 / SD3.5 and FLUX.1 from token ids.

As :mod:`mmdd.diffusion.conditioning` does for SD and SDXL, the ids are
encoded by the rule of the pipeline's own ``encode_prompt`` (tests compare
both) and the embeddings handed to the unmodified pipeline.

- SD3 (``StableDiffusion3Pipeline``): the penultimate states of both CLIP
  encoders, concatenated along features and zero-padded to T5's width,
  then the T5 states after them along the sequence: 77 CLIP tokens, then
  ``max_sequence_length`` T5 tokens (256 by default). A class word sits
  twice in that sequence, at its CLIP and at its T5 positions; both count.
  Pooled: both CLIP projections concatenated. Without T5
  (``text_encoder_3=None``) its tokens are zeros and name no class.
- FLUX.1 (``FluxPipeline``): T5 states only (512 tokens by default); CLIP
  gives the pooled vector alone. Class columns are T5 positions.

Tokenizer order is the pipeline's: SD3 ``tokenizer``, ``tokenizer_2``,
``tokenizer_3`` (T5); FLUX ``tokenizer`` (CLIP), ``tokenizer_2`` (T5).
"""
import warnings
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from diffusers import FluxPipeline, StableDiffusion3Pipeline

from .class_tokens import (PromptTruncatedWarning, SamplePrompt,
                           build_sample_prompt)
from .conditioning import TextEmbeddings, TokenIds, _padded

DEFAULT_T5_LENGTH = {'sd3': 256, 'flux': 512}  # the pipelines' defaults


class DiTTextConditioning:
    """Shared by SD3 and FLUX: one sample prompt per tokenizer, each cut
    to its own length (77 for CLIP, ``max_sequence_length`` for T5)."""

    family = ''
    uses_negative = True

    def __init__(self, pipeline, max_sequence_length: Optional[int] = None):
        self.pipeline = pipeline
        self.t5_length = (
            DEFAULT_T5_LENGTH[self.family]
            if max_sequence_length is None else max_sequence_length)
        if self.t5_length < 0:
            raise ValueError(
                f'max_sequence_length must be >= 0, got {self.t5_length}')
        self.lengths = [t.model_max_length for t in self.clip_tokenizers]
        self.tokenizers = list(self.clip_tokenizers)
        if self.t5_tokenizer is not None:  # SD3 without T5: zeros only
            self.lengths.append(self.t5_length)
            self.tokenizers.append(self.t5_tokenizer)

    def sample_prompts(self, caption: str, class_names: Sequence[str],
                       append: bool) -> List[SamplePrompt]:
        prompts = []
        for k, (tokenizer,
                length) in enumerate(zip(self.tokenizers, self.lengths)):
            with warnings.catch_warnings():  # a cut caption: reported once
                if k:
                    warnings.simplefilter('ignore', PromptTruncatedWarning)
                prompts.append(
                    build_sample_prompt(tokenizer, caption, class_names,
                                        append, max_length=length))
        clip = prompts[:len(self.clip_tokenizers)]
        if any(p.class_prompt_ids != clip[0].class_prompt_ids for p in clip):
            raise ValueError(  # SD3: both CLIPs' states share columns
                f'the class prompt {" ".join(class_names)!r} splits '
                'differently in the two CLIP tokenizers (a "!" in a class '
                'name?); rename the class')
        return prompts

    def negative_ids(self, text: str) -> List[List[List[int]]]:
        return [[
            tokenizer(text, truncation=True, max_length=length).input_ids
        ] for tokenizer, length in zip(self.tokenizers, self.lengths)]

    @property
    def sequence_length(self) -> int:
        """Tokens of an encoded text (the columns of the text block)."""
        return self.t5_length + (
            self.clip_length if self.family == 'sd3' else 0)

    def _t5_states(self, ids: Sequence[List[int]], encoder) -> torch.Tensor:
        tokenizer = self.t5_tokenizer
        padded = _padded(ids, self.t5_length, tokenizer.pad_token_id,
                         encoder.device)
        return encoder(padded)[0].to(encoder.dtype)

    def columns(self, prompts: Sequence[SamplePrompt],
                which: str) -> Dict[str, List[int]]:
        """Each class's columns in the encoded sequence: ``which`` is
        ``'class'`` (the class prompt) or ``'text'`` (the generation
        text)."""
        raise NotImplementedError

    def meaningful_columns(
            self, prompts: Sequence[Sequence[SamplePrompt]]) -> List[int]:
        """Columns of the class prompt that hold tokens (not padding) in
        any sample: the side stream carries only these."""
        raise NotImplementedError


def _field(prompt: SamplePrompt, which: str) -> Dict[str, List[int]]:
    return prompt.class_positions if which == 'class' else (
        prompt.text_positions)


def _length(prompt: SamplePrompt, which: str) -> int:
    return len(prompt.class_prompt_ids if which ==
               'class' else prompt.text_ids)


class SD3TextConditioning(DiTTextConditioning):
    family = 'sd3'

    def __init__(self, pipeline: StableDiffusion3Pipeline,
                 max_sequence_length: Optional[int] = None):
        self.clip_tokenizers = [pipeline.tokenizer, pipeline.tokenizer_2]
        self.t5_tokenizer = pipeline.tokenizer_3
        super().__init__(pipeline, max_sequence_length)
        self.clip_length = self.lengths[0]

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        pipeline = self.pipeline
        states, pooled = [], []
        encoders = (pipeline.text_encoder, pipeline.text_encoder_2)
        for tokenizer, encoder, token_ids in zip(self.clip_tokenizers,
                                                 encoders, ids):
            padded = _padded(token_ids, tokenizer.model_max_length,
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
        clip = _field(prompts[0], which)
        t5 = _field(prompts[2], which) if len(prompts) > 2 else {}
        return {
            name:
            clip[name] + [self.clip_length + p for p in t5.get(name, [])]
            for name in clip
        }

    def meaningful_columns(
            self, prompts: Sequence[Sequence[SamplePrompt]]) -> List[int]:
        clip = max(_length(p[0], 'class') for p in prompts)
        t5 = max(_length(p[2], 'class') if len(p) > 2 else 0 for p in prompts)
        return list(range(clip)) + [self.clip_length + i for i in range(t5)]


class FluxTextConditioning(DiTTextConditioning):
    family = 'flux'
    uses_negative = False  # guidance-distilled: no negative branch

    def __init__(self, pipeline: FluxPipeline,
                 max_sequence_length: Optional[int] = None):
        self.clip_tokenizers = [pipeline.tokenizer]
        self.t5_tokenizer = pipeline.tokenizer_2
        super().__init__(pipeline, max_sequence_length)

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        pipeline = self.pipeline
        tokenizer, encoder = pipeline.tokenizer, pipeline.text_encoder
        padded = _padded(ids[0], tokenizer.model_max_length,
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
        return dict(_field(prompts[1], which))

    def meaningful_columns(
            self, prompts: Sequence[Sequence[SamplePrompt]]) -> List[int]:
        return list(range(max(_length(p[1], 'class') for p in prompts)))
