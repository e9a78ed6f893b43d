"""The block families, for readers that read blocks by setting.

A diffusion transformer's reader (:class:`~mmdd.diffusion.dit.reader.
DiTReader`) reads the blocks that ``dit_blocks`` and ``dit_self_blocks``
name; the calibration records all joint blocks' cross (and concept) maps
and a few windows of image -> image ones, then chooses among them. A UNet
reader has no such setting (its layers are chosen by grid,
``cross_attention_factor`` / ``self_attention_factor``), so it has no
block family: :func:`block_layout` returns None for it.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

from ..dit.layers import dit_blocks, joint_index
from .candidates import Family, block_windows

BlockSetting = Union[int, str]  # a joint index, or a block's name


@dataclass
class BlockLayout:
    """What a block-reading reader can read, and what the config reads."""
    joint: List[int]  # every joint block, by joint index
    cross: List[int]  # the config's dit_blocks, resolved
    self_blocks: List[BlockSetting]  # the config's dit_self_blocks, resolved
    self_windows: List[List[BlockSetting]]  # the self candidates

    def recorded_self(self) -> List[BlockSetting]:
        """Every block whose image -> image maps the recording keeps."""
        seen = {}
        for window in self.self_windows:
            for block in window:
                seen.setdefault(block, None)
        return list(seen)

    def families(self) -> List[Family]:
        return [
            Family('dit_blocks', [
                dict(dit_blocks=w)
                for w in block_windows(self.joint, [self.cross])
            ]),
            Family('dit_self_blocks',
                   [dict(dit_self_blocks=w) for w in self.self_windows]),
        ]


def setting_of(block) -> BlockSetting:
    """A DiTBlock as a setting: its joint index, else its name."""
    return joint_index(block.name) if block.joint else block.name


def block_name(setting: BlockSetting) -> str:
    """A setting's block name (``12`` -> ``'transformer_blocks.12'``)."""
    return f'transformer_blocks.{setting}' if isinstance(setting,
                                                         int) else setting


def block_names(settings: Optional[Sequence[BlockSetting]]) -> Optional[list]:
    return None if settings is None else [block_name(s) for s in settings]


def block_layout(reader) -> Optional[BlockLayout]:
    """The reader's blocks, or None for a reader that reads no blocks."""
    cross = getattr(reader, 'cross_blocks', None)
    if cross is None:
        return None
    joint = [
        joint_index(b.name) for b in dit_blocks(reader.transformer) if b.joint
    ]
    self_blocks = [setting_of(b) for b in reader.self_blocks]
    half = len(joint) // 2 - 1
    pairs = [joint[:2], joint[max(0, half):half + 2], joint[-2:]]
    windows = [self_blocks] + [p for p in pairs if p != self_blocks]
    unique = {tuple(w): list(w) for w in windows}
    return BlockLayout(joint, [setting_of(b) for b in cross], self_blocks,
                       list(unique.values()))
