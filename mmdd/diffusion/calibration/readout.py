"""A candidate's averaged attention from an inverted image's kept maps.

The kept maps (one per recorded layer and timestep) are added again, in
recording order, to a fresh
:class:`~mmdd.diffusion.labelling.attention_store.AttentionStore` with the
candidate's step and layer weighting and only the candidate's layers
(blocks), so a candidate's maps are what a generation that recorded only
those would average: the store's own arithmetic, not a copy of it.
"""
from typing import Optional, Sequence

from ..dit.reader import joined_maps
from ..generation_config import SampleAttention
from ..labelling.attention_store import AttentionStore
from ..recording import SELF
from .inversion import InvertedImage


def block_of(layer_name: str) -> str:
    """The block a recorded layer belongs to: a DiT's layers are named
    ``'<block>/<kind>'``; a UNet layer is its own block."""
    return layer_name.split('/', 1)[0]


def candidate_attention(inverted: InvertedImage,
                        cross_blocks: Optional[Sequence[str]],
                        self_blocks: Optional[Sequence[str]],
                        step_weighting: str,
                        layer_weighting: str) -> SampleAttention:
    """``inverted``'s attention as a candidate reads it.

    ``cross_blocks`` / ``self_blocks``: the blocks whose cross (and
    concept) / self maps count, by name; None: every recorded one.
    """
    chosen = {
        name: layer
        for name, layer in inverted.layers.items()
        if _wanted(name, self_blocks if layer.kind == SELF else cross_blocks)
    }
    kinds = {layer.kind for layer in chosen.values()}
    for kind in {layer.kind for layer in inverted.layers.values()} - kinds:
        raise ValueError(f'no recorded {kind} layer in blocks '
                         f'{cross_blocks if kind != SELF else self_blocks}')
    store = AttentionStore(
        list(chosen.values()), step_weighting, layer_weighting)
    for maps in inverted.steps:
        for name, layer in chosen.items():
            # A copy: the store sums into the first map it is given.
            store.add(layer, maps[name][None].clone())
    averages = {kind: store.average(kind) for kind in kinds}
    columns = inverted.columns
    return SampleAttention(
        joined_maps(averages)[0], averages[SELF][0], columns.class_prompt,
        inverted.class_ids, columns.text, columns.concept)


def _wanted(name: str, blocks: Optional[Sequence[str]]) -> bool:
    return blocks is None or block_of(name) in blocks
