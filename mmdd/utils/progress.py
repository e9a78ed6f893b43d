"""One progress bar for long work, drawn by one process only.

In a distributed job every rank runs the same loop; only rank 0 draws, so a
terminal shows one bar. ``MMDD_PROGRESS=0`` turns every bar off (CI logs).
The bar is tqdm (it comes with transformers and diffusers).
"""
import os
import sys
from typing import Iterable, Optional, TypeVar

from tqdm.auto import tqdm

T = TypeVar('T')


def process_rank() -> int:
    """This process's global rank: torch.distributed's once initialised,
    else the launcher's ``RANK`` variable, else 0."""
    # Only a loaded torch can have initialised a process group; the prompt
    # tools never import torch, and a bar should not make them.
    dist = getattr(sys.modules.get('torch'), 'distributed', None)
    if dist is not None and dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get('RANK', 0))


def progress_enabled() -> bool:
    return process_rank() == 0 and os.environ.get('MMDD_PROGRESS', '1') != '0'


def progress_bar(iterable: Optional[Iterable[T]] = None,
                 total: Optional[int] = None, desc: Optional[str] = None,
                 disable: bool = False, **kwargs) -> tqdm:
    """A tqdm bar shown on rank 0 only (and never where ``disable``).

    Works as an iterator wrapper (``for x in progress_bar(items)``) or as a
    manual bar (``bar = progress_bar(total=n); bar.update(k)``).
    """
    return tqdm(iterable, total=total, desc=desc, disable=disable
                or not progress_enabled(), dynamic_ncols=True, **kwargs)
