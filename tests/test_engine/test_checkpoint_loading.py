"""torch >= 2.6 loads with weights_only=True; mmengine checkpoints load."""
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmdd.utils import allow_mmengine_checkpoint_globals


def test_history_buffer_and_numpy_load_with_weights_only(tmp_path):
    allow_mmengine_checkpoint_globals()
    buffer = HistoryBuffer()
    buffer.update(np.float64(0.5))
    path = tmp_path / 'ckpt.pth'
    torch.save({'meta': {'hub': buffer, 'arr': np.arange(3)}}, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['meta']['hub'].current() == 0.5
    np.testing.assert_array_equal(loaded['meta']['arr'], np.arange(3))


def test_other_globals_stay_refused(tmp_path):
    allow_mmengine_checkpoint_globals()

    path = tmp_path / 'evil.pth'
    torch.save({'x': _Unlisted()}, path)
    with pytest.raises(Exception, match='Unsupported global'):
        torch.load(path, weights_only=True)


class _Unlisted:
    pass


class _GetattrOnNumpy:
    """Pickles as ``getattr(np.ndarray, 'view')``."""

    def __reduce__(self):
        return (getattr, (np.ndarray, 'view'))


def test_getattr_in_checkpoints_is_limited_to_history_buffer(tmp_path):
    allow_mmengine_checkpoint_globals()
    path = tmp_path / 'getattr.pth'
    torch.save({'x': _GetattrOnNumpy()}, path)
    with pytest.raises(Exception, match='allows only HistoryBuffer'):
        torch.load(path, weights_only=True)
