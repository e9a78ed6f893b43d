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
  ``text_encoder`` and ``text_encoder_2`` concatenated, each fed the ids of
  its own tokenizer (``tokenizer_2`` pads with ``!`` and keeps ``!`` as a
  token of its own), plus the pooled (projected) output of
  ``text_encoder_2``.

Ids are passed per tokenizer: ``ids[k][i]`` is sample ``i`` by tokenizer
``k``. Class-token positions come from the first tokenizer; the class
prompt must split the same way in every tokenizer.
"""
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import torch
from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

from .class_tokens import (PromptTruncatedWarning, SamplePrompt,
                           build_sample_prompt)

TokenIds = Sequence[Sequence[List[int]]]  # [tokenizer][sample] -> ids


@dataclass
class TextEmbeddings:
    states: torch.Tensor  # (batch, tokens, dim): the UNet's cross-attn input
    pooled: Optional[torch.Tensor] = None  # (batch, dim), SDXL only


def _padded(ids: Sequence[List[int]], length: int, pad_id: int,
            device: torch.device) -> torch.Tensor:
    return torch.tensor([list(i) + [pad_id] * (length - len(i)) for i in ids],
                        device=device)


class SDTextConditioning:
    """SD 1.x/2.x: one CLIP text encoder, last hidden state."""

    uses_negative = True  # the pipeline batches a negative branch (CFG)

    def __init__(self, pipeline: StableDiffusionPipeline):
        self.pipeline = pipeline
        self.tokenizers = [pipeline.tokenizer]

    def sample_prompts(self, caption: str, class_names: Sequence[str],
                       append: bool) -> List[SamplePrompt]:
        """A sample's texts as each tokenizer splits them."""
        first = build_sample_prompt(self.tokenizers[0], caption, class_names,
                                    append)
        prompts = [first]
        with warnings.catch_warnings():  # a cut caption is reported once
            warnings.simplefilter('ignore', PromptTruncatedWarning)
            for tokenizer in self.tokenizers[1:]:
                prompts.append(
                    build_sample_prompt(tokenizer, caption, class_names,
                                        append))
                if prompts[-1].class_prompt_ids != first.class_prompt_ids:
                    raise ValueError(
                        f'the class prompt {" ".join(class_names)!r} splits '
                        'differently in the two tokenizers (a "!" in a '
                        'class name?); rename the class')
        return prompts

    def columns(self, prompts: Sequence[SamplePrompt],
                which: str) -> Dict[str, List[int]]:
        """Each class's token columns, from the first tokenizer: ``which``
        is ``'class'`` (the class prompt) or ``'text'`` (the generation
        text)."""
        first = prompts[0]
        return dict(first.class_positions if which ==
                    'class' else first.text_positions)

    def negative_ids(self, text: str) -> List[List[List[int]]]:
        """``text`` by each tokenizer, cut at its length, as a batch of 1."""
        return [[
            tokenizer(text, truncation=True,
                      max_length=tokenizer.model_max_length).input_ids
        ] for tokenizer in self.tokenizers]

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        token_ids = ids[0]
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
        if pipeline.tokenizer is None or pipeline.text_encoder is None:
            raise ValueError(
                'this SDXL checkpoint has no first text encoder/tokenizer '
                '(a refiner?); mmdd needs the base model with both encoders')
        self.tokenizers = [pipeline.tokenizer, pipeline.tokenizer_2]
        lengths = {t.model_max_length for t in self.tokenizers}
        if len(lengths) != 1:
            raise ValueError(
                f'tokenizer and tokenizer_2 read {sorted(lengths)} tokens; '
                'their states are concatenated token by token, so the '
                'lengths must agree')

    def encode(self, ids: TokenIds) -> TextEmbeddings:
        pipeline = self.pipeline
        states, pooled = [], None
        encoders = (pipeline.text_encoder, pipeline.text_encoder_2)
        for tokenizer, encoder, token_ids in zip(self.tokenizers, encoders,
                                                 ids):
            padded = _padded(token_ids, tokenizer.model_max_length,
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


def text_conditioning(pipeline, max_sequence_length: Optional[int] = None):
    """The conditioning rule of a loaded pipeline (``max_sequence_length``:
    T5's length for SD3 / FLUX; None keeps the pipeline's default)."""
    from diffusers import FluxPipeline, StableDiffusion3Pipeline

    from .dit_conditioning import FluxTextConditioning, SD3TextConditioning
    if isinstance(pipeline, StableDiffusion3Pipeline):
        return SD3TextConditioning(pipeline, max_sequence_length)
    if isinstance(pipeline, FluxPipeline):
        return FluxTextConditioning(pipeline, max_sequence_length)
    if isinstance(pipeline, StableDiffusionXLPipeline):
        return SDXLTextConditioning(pipeline)
    if isinstance(pipeline, StableDiffusionPipeline):
        return SDTextConditioning(pipeline)
    raise TypeError(f'{type(pipeline).__name__} is not supported; use a '
                    'StableDiffusionPipeline, StableDiffusionXLPipeline, '
                    'StableDiffusion3Pipeline or FluxPipeline')
