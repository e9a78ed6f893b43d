"""Text conditioning from token ids, as each supported pipeline encodes text.

The generator works on token ids, not strings: a long generation text is cut
on the caption side (class names kept) and the class prompt's token
positions must be exact. So the ids are encoded here, by the rule of the
pipeline's own ``encode_prompt`` (tests compare both), and the embeddings are
handed to the unmodified pipeline, which does everything else (for SDXL the
size/crop conditioning ``add_time_ids`` from height and width, and the fp16
VAE decode upcast).

- SD 1.x/2.x (``StableDiffusionPipeline``): the text encoder's last hidden
  state (with an attention mask where the encoder config asks for one).
- SDXL (``StableDiffusionXLPipeline``): the penultimate hidden states of
  ``text_encoder`` and ``text_encoder_2`` concatenated, each padded with its
  own tokenizer's pad token, plus the pooled (projected) output of
  ``text_encoder_2``.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import torch
from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline


@dataclass
class TextEmbeddings:
    states: torch.Tensor  # (batch, tokens, dim): the UNet's cross-attn input
    pooled: Optional[torch.Tensor] = None  # (batch, dim), SDXL only


def _padded(ids: Sequence[List[int]], length: int, pad_id: int,
            device: torch.device) -> torch.Tensor:
    return torch.tensor([list(i) + [pad_id] * (length - len(i))
                         for i in ids], device=device)


class SDTextConditioning:
    """SD 1.x/2.x: one CLIP text encoder, last hidden state."""

    def __init__(self, pipeline: StableDiffusionPipeline):
        self.pipeline = pipeline

    def encode(self, token_ids: Sequence[List[int]]) -> TextEmbeddings:
        tokenizer = self.pipeline.tokenizer
        encoder = self.pipeline.text_encoder
        length = tokenizer.model_max_length
        ids = _padded(token_ids, length, tokenizer.pad_token_id,
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

    def __init__(self, pipeline: StableDiffusionXLPipeline):
        super().__init__(pipeline)
        first, second = pipeline.tokenizer, pipeline.tokenizer_2
        if first is None or pipeline.text_encoder is None:
            raise ValueError(
                'this SDXL checkpoint has no first text encoder/tokenizer '
                '(a refiner?); mmdd needs the base model with both encoders')
        # Token positions come from the first tokenizer; both must split
        # text into the same ids (true of SDXL: one CLIP BPE, two pads).
        if (first.get_vocab() != second.get_vocab()
                or first.model_max_length != second.model_max_length):
            raise ValueError(
                'tokenizer and tokenizer_2 of this SDXL checkpoint differ in '
                'vocabulary or length; class token positions would not match '
                'between the two text encoders')

    def encode(self, token_ids: Sequence[List[int]]) -> TextEmbeddings:
        pipeline = self.pipeline
        states, pooled = [], None
        for tokenizer, encoder in (
                (pipeline.tokenizer, pipeline.text_encoder),
                (pipeline.tokenizer_2, pipeline.text_encoder_2)):
            ids = _padded(token_ids, tokenizer.model_max_length,
                          tokenizer.pad_token_id, encoder.device)
            output = encoder(ids, output_hidden_states=True)
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


def text_conditioning(pipeline) -> SDTextConditioning:
    """The conditioning rule of a loaded pipeline."""
    if isinstance(pipeline, StableDiffusionXLPipeline):
        return SDXLTextConditioning(pipeline)
    if isinstance(pipeline, StableDiffusionPipeline):
        return SDTextConditioning(pipeline)
    raise TypeError(
        f'{type(pipeline).__name__} is not supported; use a '
        'StableDiffusionPipeline or StableDiffusionXLPipeline')
