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
from typing import Dict, Iterator, List, Tuple

import torch
from diffusers.models.attention_processor import Attention, AttnProcessor

from mmdd.diffusion.recording import SELF
from mmdd.diffusion.unet.layers import attention_layers


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


class ExplicitStoringAttnProcessor(AttnProcessor):
    """diffusers' explicit (unfused) ``AttnProcessor`` that hands each
    probability tensor it computes to a :class:`StepAttentionStore`."""

    def __init__(self, store: StepAttentionStore, name: str):
        super().__init__()
        self.store = store
        self.name = name

    def __call__(self, attn: Attention, *args, **kwargs) -> torch.Tensor:
        scores = attn.get_attention_scores

        def storing_scores(*score_args, **score_kwargs) -> torch.Tensor:
            probs = scores(*score_args, **score_kwargs)
            self.store.add(self.name, probs)
            return probs

        attn.get_attention_scores = storing_scores  # this call only
        try:
            return super().__call__(attn, *args, **kwargs)
        finally:
            del attn.get_attention_scores


@contextmanager
def store_all_attention(unet: torch.nn.Module,
                        max_size: int = 64) -> Iterator[StepAttentionStore]:
    """Every attention layer of ``unet`` explicit and stored while inside;
    the original processors come back on exit."""
    store = StepAttentionStore(max_size * max_size)
    original = unet.attn_processors
    unet.set_attn_processor(
        {name: ExplicitStoringAttnProcessor(store, name)
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
