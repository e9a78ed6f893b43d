"""The paper code's attention-store pattern, rebuilt as a measuring probe.

Written from these facts about the reference implementation (not from its
code): every attention layer computes its probabilities explicitly (no
fused kernel), and every map whose query grid is at most 64x64 is kept in
the model's dtype with all heads and both halves of classifier-free
guidance, in a store for the current denoising step plus a running sum over
the steps, to which the step store is added after each UNet call. mmdd
does not use this; the benchmarks run it to measure what mmdd's recording
(fused attention, only the read layers, head-averaged, conditional half)
saves in time and memory.
"""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Tuple

import torch
from diffusers.models.attention_processor import Attention

from mmdd.diffusion.attention import SELF, attention_layers


class StepAttentionStore:
    """Maps of the current UNet call plus their running sum over calls."""

    def __init__(self, max_queries: int = 64 * 64):
        self.max_queries = max_queries
        self.step: Dict[str, torch.Tensor] = {}
        self.total: Dict[str, torch.Tensor] = {}
        self.steps = 0

    def add(self, name: str, probs: torch.Tensor) -> None:
        if probs.shape[1] <= self.max_queries:
            self.step[name] = probs

    def end_step(self) -> None:
        if not self.total:
            self.total = self.step
        else:
            for name, probs in self.step.items():
                self.total[name] += probs
        self.step = {}
        self.steps += 1

    def kept_bytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.total.values())


class ExplicitStoringAttnProcessor:
    """Explicit (unfused) attention that hands its probabilities to a
    :class:`StepAttentionStore`; the output equals diffusers' attention."""

    def __init__(self, store: StepAttentionStore, name: str):
        self.store = store
        self.name = name

    def __call__(self, attn: Attention, hidden_states: torch.Tensor,
                 encoder_hidden_states: Optional[torch.Tensor] = None,
                 attention_mask: Optional[torch.Tensor] = None,
                 temb: Optional[torch.Tensor] = None, *args,
                 **kwargs) -> torch.Tensor:
        residual = hidden_states
        if attn.spatial_norm is not None:
            hidden_states = attn.spatial_norm(hidden_states, temb)
        input_ndim = hidden_states.ndim
        if input_ndim == 4:
            batch, channel, height, width = hidden_states.shape
            hidden_states = hidden_states.view(
                batch, channel, height * width).transpose(1, 2)
        if attn.group_norm is not None:
            hidden_states = attn.group_norm(
                hidden_states.transpose(1, 2)).transpose(1, 2)
        context = hidden_states
        if encoder_hidden_states is not None:
            context = encoder_hidden_states
            if attn.norm_cross:
                context = attn.norm_encoder_hidden_states(context)
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        key = attn.head_to_batch_dim(attn.to_k(context))
        value = attn.head_to_batch_dim(attn.to_v(context))
        probs = attn.get_attention_scores(query, key, attention_mask)
        self.store.add(self.name, probs)
        hidden_states = attn.batch_to_head_dim(torch.bmm(probs, value))
        hidden_states = attn.to_out[1](attn.to_out[0](hidden_states))
        if input_ndim == 4:
            hidden_states = hidden_states.transpose(-1, -2).reshape(
                batch, channel, height, width)
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor


@contextmanager
def store_all_attention(unet: torch.nn.Module, max_size: int = 64
                        ) -> Iterator[StepAttentionStore]:
    """Every attention layer of ``unet`` explicit and stored while inside;
    the original processors come back on exit."""
    store = StepAttentionStore(max_size * max_size)
    original = unet.attn_processors
    unet.set_attn_processor({name: ExplicitStoringAttnProcessor(store, name)
                             for name in original})
    hook = unet.register_forward_hook(lambda *_: store.end_step())
    try:
        yield store
    finally:
        hook.remove()
        unet.set_attn_processor(dict(original))


def map_shapes(unet: torch.nn.Module, latent_size: Tuple[int, int],
               text_tokens: int = 77) -> List[Tuple[int, int, int]]:
    """(heads, queries, keys) of every attention layer's probabilities."""
    shapes = []
    for layer in attention_layers(unet, latent_size):
        module = unet.get_submodule(layer.name[:-len('.processor')])
        queries = layer.size[0] * layer.size[1]
        keys = queries if layer.kind == SELF else text_tokens
        shapes.append((module.heads, queries, keys))
    return shapes


def predicted_bytes(unet: torch.nn.Module, latent_size: Tuple[int, int],
                    rows: int, itemsize: int, max_size: int = 64) -> int:
    """What the pattern keeps, by arithmetic from tensor shapes: a step
    store plus a running sum of (rows * heads, queries, keys) per layer."""
    return sum(2 * rows * heads * queries * keys * itemsize
               for heads, queries, keys in map_shapes(unet, latent_size)
               if queries <= max_size * max_size)


def largest_map_bytes(unet: torch.nn.Module, latent_size: Tuple[int, int],
                      rows: int, itemsize: int) -> int:
    """The largest single probability tensor of one UNet call."""
    return max(rows * heads * queries * keys * itemsize
               for heads, queries, keys in map_shapes(unet, latent_size))
