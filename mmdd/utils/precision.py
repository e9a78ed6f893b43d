"""Floating-point precision by name, and a warning for slow choices."""
import warnings
from typing import Optional, Union

import torch

DTYPE_NAMES = {
    'fp32': torch.float32,
    'float32': torch.float32,
    'fp16': torch.float16,
    'float16': torch.float16,
    'bf16': torch.bfloat16,
    'bfloat16': torch.bfloat16
}


def parse_dtype(name: Optional[Union[str, torch.dtype]],
                device: Union[str, torch.device] = 'cpu') -> torch.dtype:
    """``fp16``/``bf16``/``fp32`` (or a torch dtype); None picks fp16 on a
    GPU and fp32 on a CPU."""
    if isinstance(name, torch.dtype):
        return name
    if name is None:
        return (torch.float32
                if torch.device(device).type == 'cpu' else torch.float16)
    if name not in DTYPE_NAMES:
        raise ValueError(f'unknown dtype {name!r}; use one of '
                         f'{sorted(DTYPE_NAMES)}')
    return DTYPE_NAMES[name]


def warn_if_slow_on_cpu(dtype: Union[str, torch.dtype],
                        device: Union[str, torch.device]) -> bool:
    """Warn (and return True) when half precision is asked for on a CPU,
    where it runs about 10x slower than fp32."""
    dtype = parse_dtype(dtype, device)
    if (torch.device(device).type != 'cpu'
            or dtype not in (torch.float16, torch.bfloat16)):
        return False
    name = str(dtype).replace('torch.', '')
    warnings.warn(
        f'{name} was asked for on the CPU, where half precision runs about '
        '10x slower than fp32: use fp32 on a CPU (torch_dtype="fp32", '
        '--dtype fp32) and fp16 on a GPU.', stacklevel=2)
    return True
