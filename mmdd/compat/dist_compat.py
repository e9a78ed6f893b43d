"""Let mmengine 0.10 run distributed jobs on CPU-only machines (gloo).

``mmengine.dist.utils._init_dist_pytorch`` calls ``torch.cuda.set_device``
unconditionally, which raises on a CPU build of torch. The patch below
skips that one call while CUDA is unavailable, only inside that function;
GPU machines run mmengine's code untouched. (Model wrapping on CPU is handled
by ``mmdd.engine.MMDistributedDataParallelAnyDevice``.)
"""
import functools
from contextlib import contextmanager
from typing import Iterator

import torch


@contextmanager
def _cuda_set_device_skipped() -> Iterator[None]:
    original = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        yield
    finally:
        torch.cuda.set_device = original


def allow_cpu_distributed_init() -> None:
    """Patch mmengine's pytorch-launcher init for CUDA-less machines."""
    from mmengine.dist import utils as dist_utils
    original = dist_utils._init_dist_pytorch
    if getattr(original, '_mmdd_cpu_patch', False):
        return

    @functools.wraps(original)
    def init_dist_pytorch(*args, **kwargs):
        if torch.cuda.is_available():
            return original(*args, **kwargs)
        with _cuda_set_device_skipped():
            return original(*args, **kwargs)

    init_dist_pytorch._mmdd_cpu_patch = True
    dist_utils._init_dist_pytorch = init_dist_pytorch
