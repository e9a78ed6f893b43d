"""What a recording DiT processor does with the tensors it is shown.

The processors (:mod:`mmdd.diffusion.dit.processors`) hand over the image
queries, keys and values and the text keys of a block (after QK-norm and,
for FLUX, RoPE: what the model really multiplies), and later the image's
attention output before its projection. From these, for the conditional
samples only, the recorder adds to an :class:`AttentionStore`:

- ``cross``: image -> class-prompt side tokens, and / or image -> the
  generation text; each a softmax over its own keys (the joint softmax
  renormalised over those columns, never materialised), head-averaged,
  queries pooled to the cross grid;
- ``concept``: ConceptAttention, softmax over concepts of the dot products
  of image and concept attention outputs;
- ``self``: image -> image, a softmax over image keys only, in chunks of
  queries, keys summed and queries averaged over the self grid's cells.

Only the first transformer call of each denoising step is read: FLUX's
true CFG and SD3's skip-layer guidance make a second call in the same step.
The pipeline's ``callback_on_step_end`` calls :meth:`DiTRecorder.end_step`.
Nothing here waits for the device (no ``.item()``, no host copies), so
recording never stalls the queue of kernels.
"""
from typing import Dict, Optional, Sequence

import torch

from ..labelling.attention_store import AttentionStore
from ..recording import CROSS, SELF, AttentionLayer
from .layers import DiTBlock, Size, joint_index, pool_keys, pool_queries
from .side_stream import SideStream

CONCEPT = 'concept'
CLASS_GROUP, CONCEPT_GROUP = 'class_prompt', 'concept'


class DiTRecorder:
    """Shared state of one labelled generation (one pipeline call).

    ``grid``: the image-token grid; ``cross_pool``/``self_pool``: tokens
    per cell side of the cross / self grids; ``record_text``: also score
    the generation text; ``side``: the class prompt and / or concept
    tokens; ``chunk``: image queries per self-attention slice.
    """

    def __init__(self, batch_size: int, grid: Size, cross_pool: int,
                 self_pool: int, cross_blocks: Sequence[DiTBlock],
                 self_blocks: Sequence[DiTBlock], record_text: bool,
                 side: Optional[SideStream] = None, chunk: int = 1024):
        self.batch_size, self.grid = batch_size, grid
        self.cross_pool, self.self_pool = cross_pool, self_pool
        self.cross_blocks = {b.name for b in cross_blocks}
        self.self_blocks = {b.name for b in self_blocks}
        self.record_text, self.side, self.chunk = record_text, side, chunk
        kinds = []
        if record_text or (side and CLASS_GROUP in side.tokens):
            kinds.append(CROSS)
        if side and CONCEPT_GROUP in side.tokens:
            kinds.append(CONCEPT)
        cross_grid = (grid[0] // cross_pool, grid[1] // cross_pool)
        self_grid = (grid[0] // self_pool, grid[1] // self_pool)
        layers = [
            AttentionLayer(f'{block.name}/{kind}', kind, 0, cross_grid)
            for block in cross_blocks for kind in kinds
        ] + [
            AttentionLayer(f'{block.name}/{SELF}', SELF, 0, self_grid)
            for block in self_blocks
        ]
        self.kinds = kinds + [SELF]
        self.layers = {layer.name: layer for layer in layers}
        self.store = AttentionStore(layers)
        self.active = False
        self.text_length: Optional[int] = None
        self._calls_in_step = 0
        self._side_outputs: Dict[str, dict] = {}
        # The side stream runs through joint blocks 0 .. the last read one.
        self.side_blocks_until = 1 + max(
            (joint_index(b.name)
             for b in cross_blocks), default=-1) if side else 0

    def begin_call(self, batch: int) -> None:
        """A transformer call starts: read it if it is the first one of
        its denoising step."""
        self.active = self._calls_in_step == 0
        self._calls_in_step += 1
        self.text_length = None
        if self.active and batch not in (self.batch_size, 2 * self.batch_size):
            raise RuntimeError(
                f'the transformer was called with batch {batch}, neither '
                f'the {self.batch_size} samples nor twice that (guidance)')

    def end_step(self, pipeline=None, step=None, timestep=None,
                 callback_kwargs=None) -> dict:
        """A denoising step ended (a ``callback_on_step_end``)."""
        self._calls_in_step = 0
        return {}

    def conditional(self, tensor: torch.Tensor) -> torch.Tensor:
        """The conditional samples: diffusers batches [uncond, cond]."""
        return tensor[tensor.shape[0] - self.batch_size:]

    def joint(self, block_name: str, block: torch.nn.Module,
              attn: torch.nn.Module, query: torch.Tensor, key: torch.Tensor,
              value: torch.Tensor, text_key: torch.Tensor) -> None:
        """A joint block's image q/k/v and text keys, (B, H, S, d)."""
        if not self.active:
            return
        query, key, value, text_key = (
            self.conditional(t) for t in (query, key, value, text_key))
        self._check(block_name, query)
        side = {}
        if self.side is not None and joint_index(
                block_name) < self.side_blocks_until:
            side = self.side.step(block, attn, key, value)
        self._side_outputs[block_name] = side
        if block_name in self.cross_blocks:
            parts = []
            if CLASS_GROUP in side:
                mask = self.side.masks[CLASS_GROUP].to(query.device)
                parts.append(_probabilities(query, side[CLASS_GROUP][0], mask))
            if self.record_text:
                parts.append(_probabilities(query, text_key))
            if parts:
                probs = torch.cat(parts, dim=-1)
                self._add(block_name, CROSS,
                          pool_queries(probs, self.grid, self.cross_pool))
        self.image_self(block_name, query, key)

    def image_self(self, block_name: str, query: torch.Tensor,
                   key: torch.Tensor) -> None:
        """Image -> image of a block, if it is read (any block)."""
        if not self.active or block_name not in self.self_blocks:
            return
        query, key = self.conditional(query), self.conditional(key)
        self._check(block_name, query)
        rows = [
            pool_keys(
                _probabilities(query[:, :, start:start + self.chunk], key),
                self.grid, self.self_pool)
            for start in range(0, query.shape[2], self.chunk)
        ]
        probs = pool_queries(torch.cat(rows, dim=1), self.grid, self.self_pool)
        self._add(block_name, SELF, probs)

    def after(self, block_name: str, image_output: torch.Tensor) -> None:
        """The image's attention output (B, N, H*d) before ``to_out``."""
        side = self._side_outputs.pop(block_name, {})
        if (not self.active or block_name not in self.cross_blocks
                or CONCEPT_GROUP not in side):
            return
        concepts = side[CONCEPT_GROUP][1].transpose(1, 2).flatten(2)
        image = self.conditional(image_output)
        scores = image.float() @ concepts.float().transpose(1, 2)
        mask = self.side.masks[CONCEPT_GROUP][:, None]
        scores = scores.masked_fill(~mask, float('-inf'))
        probs = scores.softmax(dim=-1)  # over concepts (paper, eq. 11)
        self._add(block_name, CONCEPT,
                  pool_queries(probs, self.grid, self.cross_pool))

    def averages(self) -> Dict[str, torch.Tensor]:
        """Each recorded kind's mean over its blocks and timesteps."""
        return {kind: self.store.average(kind) for kind in self.kinds}

    def _add(self, block_name: str, kind: str, probs: torch.Tensor) -> None:
        self.store.add(self.layers[f'{block_name}/{kind}'], probs)

    def _check(self, block_name: str, query: torch.Tensor) -> None:
        tokens = self.grid[0] * self.grid[1]
        if query.shape[2] != tokens:
            raise RuntimeError(
                f'{block_name} has {query.shape[2]} image tokens, expected '
                f'{self.grid[0]}x{self.grid[1]}: layout not understood')


def _probabilities(query: torch.Tensor, key: torch.Tensor,
                   mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """softmax(q k^T / sqrt(d)) over ``key``'s tokens, head-averaged:
    (B, H, Q, d) x (B, H, K, d) -> (B, Q, K), float32. ``mask`` (B, K):
    the keys that count (the others get 0)."""
    # Scale the queries, not the (much larger) scores.
    scores = (query * query.shape[-1]**-0.5) @ key.transpose(-1, -2)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, None], float('-inf'))
    return scores.softmax(dim=-1, dtype=torch.float32).mean(dim=1)
