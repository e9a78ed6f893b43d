"""SD 1.x/2.x and SDXL: text conditioning from CLIP encoders alone.

- SD 1.x/2.x (``StableDiffusionPipeline``): the text encoder's last hidden
  state (with an attention mask where the encoder config asks for one).
- SDXL (``StableDiffusionXLPipeline``): the penultimate hidden states of
  ``text_encoder`` and ``text_encoder_2`` concatenated, each fed the ids of
  its own tokenizer (``tokenizer_2`` pads with ``!`` and keeps ``!`` as a
  token of its own), plus the pooled (projected) output of
  ``text_encoder_2``.

The pipeline does everything else (for SDXL the size/crop conditioning
``add_time_ids`` from height and width, and the fp16 VAE decode upcast).
Class-token positions come from the first tokenizer; the class prompt must
split the same way in every tokenizer.
"""
from typing import Dict, List, Sequence

import torch
from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

from ..class_tokens import SamplePrompt
from .base import (TextConditioning, TextEmbeddings, TextEncoder, TokenIds,
                   clip_encoder, padded_ids)


class SDTextConditioning(TextConditioning):
    """SD 1.x/2.x: one CLIP text encoder, last hidden state."""

    def text_encoders(self,
                      pipeline: StableDiffusionPipeline) -> List[TextEncoder]:
        return [clip_encoder(pipeline)]

    def columns(self, prompts: Sequence[SamplePrompt],
                which: str) -> Dict[str, List[int]]:
        """Each class's token columns, from the first tokenizer: ``which``
        is ``'class'`` (the class prompt) or ``'text'`` (the generation
        text)."""
        first = prompts[0]
        return dict(first.class_positions if which ==
                    'class' else first.text_positions)

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        token_ids = ids[0]
        tokenizer = self.pipeline.tokenizer
        encoder = self.pipeline.text_encoder
        length = tokenizer.model_max_length
        ids = padded_ids(token_ids, length, tokenizer.pad_token_id,
                         encoder.device)
        mask = None
        if getattr(encoder.config, 'use_attention_mask', False):
            mask = torch.tensor([[1] * len(i) + [0] * (length - len(i))
                                 for i in token_ids], device=encoder.device)
        states = encoder(ids, attention_mask=mask)[0]
        return TextEmbeddings(states.to(encoder.dtype))

    def pipeline_inputs(self, text: TextEmbeddings,
                        negative: TextEmbeddings) -> Dict[str, torch.Tensor]:
        """Keyword arguments of the pipeline's ``__call__``."""
        return dict(prompt_embeds=text.states,
                    negative_prompt_embeds=negative.states)


class SDXLTextConditioning(SDTextConditioning):
    """SDXL: two CLIP encoders, penultimate states + pooled projection."""

    def text_encoders(
            self, pipeline: StableDiffusionXLPipeline) -> List[TextEncoder]:
        if pipeline.tokenizer is None or pipeline.text_encoder is None:
            raise ValueError(
                'this SDXL checkpoint has no first text encoder/tokenizer '
                '(a refiner?); mmdd needs the base model with both encoders')
        encoders = [clip_encoder(pipeline), clip_encoder(pipeline, '_2')]
        lengths = {e.length for e in encoders}
        if len(lengths) != 1:
            raise ValueError(
                f'tokenizer and tokenizer_2 read {sorted(lengths)} tokens; '
                'their states are concatenated token by token, so the '
                'lengths must agree')
        return encoders

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        pipeline = self.pipeline
        states, pooled = [], None
        encoders = (pipeline.text_encoder, pipeline.text_encoder_2)
        for tokenizer, encoder, token_ids in zip(self.tokenizers, encoders,
                                                 ids):
            padded = padded_ids(token_ids, tokenizer.model_max_length,
                                tokenizer.pad_token_id, encoder.device)
            output = encoder(padded, output_hidden_states=True)
            if output[0].ndim == 2:  # a projected (pooled) text embedding
                pooled = output[0]
            states.append(output.hidden_states[-2])
        if pooled is None:
            raise ValueError(
                'text_encoder_2 gave no pooled embedding; SDXL needs a '
                'CLIPTextModelWithProjection there')
        dtype = pipeline.text_encoder_2.dtype
        return TextEmbeddings(torch.cat(states, dim=-1).to(dtype), pooled)

    def pipeline_inputs(self, text: TextEmbeddings,
                        negative: TextEmbeddings) -> Dict[str, torch.Tensor]:
        return dict(prompt_embeds=text.states,
                    negative_prompt_embeds=negative.states,
                    pooled_prompt_embeds=text.pooled,
                    negative_pooled_prompt_embeds=negative.pooled)
