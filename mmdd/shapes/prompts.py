"""Generation prompts from the shapes world's captions (for SynthDataset)."""
from pathlib import Path
from typing import Union

from mmdd.prompts.records import PromptRecord, write_prompts
from .fidelity import PROMPT_SEED
from .world import SHAPES_CLASSES, render_scene


def write_shapes_prompts(path: Union[str, Path], count: int,
                         first_seed: int = PROMPT_SEED) -> Path:
    """``count`` prompt records (JSONL) from scenes ``first_seed``...

    Only the caption and class list of each scene are used: the model
    draws the image, the attention labels it.
    """
    records = []
    for seed in range(first_seed, first_seed + count):
        scene = render_scene(seed)
        classes = [SHAPES_CLASSES[c] for c in scene.class_ids]
        records.append(
            PromptRecord(id=f'shapes{seed}', caption=scene.caption,
                         classes=classes))
    return write_prompts(records, path)
