"""Which blocks of a diffusion transformer are read, and on which grid.

SD3 / SD3.5 have joint blocks only (``transformer_blocks.i``); FLUX.1 has
double-stream blocks (``transformer_blocks.i``, a text stream of their own)
and then single-stream blocks (``single_transformer_blocks.i``, text and
image in one stream). The image tokens lie on the latent grid divided by
the patch size (2 for both: SD3's ``patch_size``, FLUX's 2x2 packing).

Grids keep the UNet path's meaning: ``factor`` is relative to the latent,
so with a VAE of factor 8, ``factor`` 2 is 1/16 of the image side (the
token grid itself) and 4 is 1/32 (tokens pooled 2x2).
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

Size = Tuple[int, int]
JOINT, SINGLE = 'transformer_blocks', 'single_transformer_blocks'
BlockName = Union[int, str]


@dataclass(frozen=True)
class DiTBlock:
    name: str  # module path, e.g. 'transformer_blocks.3'
    joint: bool  # a text stream of its own (SD3 joint, FLUX double)

    @property
    def processor(self) -> str:
        """Key of its attention in ``transformer.attn_processors``."""
        return f'{self.name}.attn.processor'


def dit_blocks(transformer: torch.nn.Module) -> List[DiTBlock]:
    """Every block in the order the forward pass runs them."""
    blocks = [
        DiTBlock(f'{JOINT}.{i}', True)
        for i in range(len(transformer.transformer_blocks))
    ]
    singles = getattr(transformer, SINGLE, None) or []
    return blocks + [
        DiTBlock(f'{SINGLE}.{i}', False) for i in range(len(singles))
    ]


def joint_index(block_name: str) -> float:
    """The index of a joint block; single-stream blocks come after all."""
    prefix, index = block_name.rsplit('.', 1)
    return int(index) if prefix == JOINT else float('inf')


def default_blocks(transformer: torch.nn.Module) -> List[DiTBlock]:
    """The second half of the joint blocks: FLUX.1's double-stream blocks
    9-18 (of 0-18), SD3.5-Medium's 12-23. Later layers segment better
    (ConceptAttention's Fig. 7); its code reads FLUX.1's 15-18, a preset
    in configs/_base_/generation/flux_conceptattention_blocks.py."""
    joint = [block for block in dit_blocks(transformer) if block.joint]
    return joint[len(joint) // 2:]


def select_blocks(transformer: torch.nn.Module,
                  names: Optional[Sequence[BlockName]], setting: str,
                  joint_only: bool = False) -> List[DiTBlock]:
    """Blocks by name (``'transformer_blocks.12'``) or joint index (12).

    ``None``: :func:`default_blocks`. A name that is not a block, or a
    single-stream block where ``joint_only``, raises a ValueError naming
    ``setting`` and the valid names.
    """
    blocks = dit_blocks(transformer)
    if names is None:
        return default_blocks(transformer)
    by_name = {block.name: block for block in blocks}
    chosen = []
    for name in names:
        key = f'{JOINT}.{name}' if isinstance(name, int) else str(name)
        block = by_name.get(key)
        allowed = [b.name for b in blocks if b.joint or not joint_only]
        if block is None or (joint_only and not block.joint):
            raise ValueError(
                f'{setting}: {name!r} is not a block that can be read here; '
                f'choose from {_span(allowed)} (or joint indices 0..'
                f'{sum(b.joint for b in blocks) - 1})')
        chosen.append(block)
    if not chosen:
        raise ValueError(f'{setting} is empty: name at least one block')
    return list(dict.fromkeys(chosen))


def _span(names: List[str]) -> str:
    if len(names) <= 4:
        return ', '.join(names)
    return f'{names[0]}, {names[1]}, ..., {names[-1]}'


def pooling(token_grid: Size, factor: int, patch: int, setting: str) -> int:
    """How many tokens per side one cell of the ``factor`` grid pools."""
    pool = factor // patch if factor % patch == 0 else 0
    if pool < 1 or token_grid[0] % pool or token_grid[1] % pool:
        options = [
            patch * p for p in range(1,
                                     min(token_grid) + 1)
            if token_grid[0] % p == 0 and token_grid[1] % p == 0
        ]
        raise ValueError(
            f'{setting}={factor} does not fit this transformer: its image '
            f'tokens lie on a {token_grid[0]}x{token_grid[1]} grid (latent '
            f'/ {patch}); use one of {options[:6]}')
    return pool


def pool_queries(probs: torch.Tensor, grid: Size, pool: int) -> torch.Tensor:
    """(B, h*w, K) rows on ``grid`` -> (B, h/pool * w/pool, K), the mean
    of each pool x pool block of query rows."""
    if pool == 1:
        return probs
    batch, _, keys = probs.shape
    maps = probs.transpose(1, 2).reshape(batch * keys, 1, *grid)
    pooled = F.avg_pool2d(maps, pool)
    return pooled.reshape(batch, keys, -1).transpose(1, 2)


def pool_keys(probs: torch.Tensor, grid: Size, pool: int) -> torch.Tensor:
    """(B, Q, h*w) columns on ``grid`` -> (B, Q, h/pool * w/pool), the sum
    of each block of key columns (rows stay stochastic)."""
    if pool == 1:
        return probs
    batch, queries, _ = probs.shape
    maps = probs.reshape(batch * queries, 1, *grid)
    pooled = F.avg_pool2d(maps, pool) * (pool * pool)
    return pooled.reshape(batch, queries, -1)
