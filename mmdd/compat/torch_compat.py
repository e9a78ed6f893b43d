"""Let mmengine read its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load(..., weights_only=True)`` the default. mmengine
0.10 calls ``torch.load`` without that argument, and its checkpoints carry a
few non-tensor objects (the message hub's ``HistoryBuffer``, numpy arrays and
scalars in the logged history), so ``--resume``, ``load_from`` and
``init_model`` fail with ``Unsupported global: ...HistoryBuffer``.

The narrow fix: allow-list exactly those globals with
``torch.serialization.add_safe_globals``. Every other object still fails to
unpickle, so the safety of ``weights_only`` is kept for everything else.
``HistoryBuffer`` pickles its statistics methods as ``getattr(HistoryBuffer,
'mean')``; rather than allowing the builtin ``getattr`` (which would reach
any attribute of any allowed class), the checkpoint's ``builtins.getattr``
resolves to a stand-in that only hands out those methods.
"""
from typing import List

import numpy as np
import torch


def _numpy_globals() -> List[object]:
    """The numpy objects that pickled arrays and scalars refer to."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [
        type(np.dtype(t))
        for t in (np.float16, np.float32, np.float64, np.int8, np.int16,
                  np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                  np.uint64, np.bool_)
    ]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


def _history_buffer_getattr(owner: object, name: str) -> object:
    """``getattr`` restricted to HistoryBuffer's statistics methods."""
    from mmengine.logging import HistoryBuffer

    # The defaults are registered lazily, so a fresh process has none yet.
    allowed = {
        'mean', 'max', 'min', 'current', *HistoryBuffer._statistics_methods
    }
    if owner is HistoryBuffer and name in allowed:
        return getattr(owner, name)
    raise RuntimeError(f'checkpoint asks for getattr({owner!r}, {name!r}); '
                       'mmdd allows only HistoryBuffer statistics methods. '
                       'Load it with weights_only=False if you trust it.')


def allow_mmengine_checkpoint_globals() -> None:
    """Allow-list the globals of mmengine checkpoints (no-op on old torch)."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return
    from mmengine.logging import HistoryBuffer
    add_safe_globals([
        HistoryBuffer,
        *_numpy_globals(),
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
    ])
