import warnings

import pytest
import torch

from mmdd.utils.precision import parse_dtype, warn_if_slow_on_cpu


def test_parse_dtype_names_and_defaults():
    assert parse_dtype('fp16') is torch.float16
    assert parse_dtype('bfloat16') is torch.bfloat16
    assert parse_dtype(torch.float32) is torch.float32
    assert parse_dtype(None, 'cpu') is torch.float32
    assert parse_dtype(None, 'cuda:1') is torch.float16
    with pytest.raises(ValueError, match="'half'.*fp16"):
        parse_dtype('half')


@pytest.mark.parametrize('dtype', ['fp16', 'bf16', torch.float16])
def test_half_precision_on_cpu_warns(dtype):
    with pytest.warns(UserWarning, match='about 10x slower than fp32'):
        assert warn_if_slow_on_cpu(dtype, 'cpu')


@pytest.mark.parametrize('dtype, device', [('fp32', 'cpu'), ('fp16', 'cuda'),
                                           ('bf16', torch.device('cuda', 0))])
def test_no_warning_where_the_precision_fits(dtype, device):
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert not warn_if_slow_on_cpu(dtype, device)
