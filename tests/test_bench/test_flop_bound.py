"""The card-peak lookup behind the FLOP-bound fraction."""
import pytest

from bench.overhead.flop_bound import peak_tflops


@pytest.mark.parametrize('name, tflops', [('NVIDIA H100 80GB HBM3', 989.4),
                                          ('NVIDIA H100 PCIe', 756.0),
                                          ('NVIDIA H100 NVL', 835.0),
                                          ('NVIDIA H200', 989.4),
                                          ('NVIDIA A100-SXM4-80GB', 312.0),
                                          ('NVIDIA A10G', 70.0),
                                          ('NVIDIA A10', 125.0),
                                          ('NVIDIA L40S', 362.0),
                                          ('NVIDIA L4', 121.0),
                                          ('Some Future Card', None),
                                          ('cpu', None)])
def test_specific_names_win_over_their_prefixes(name, tflops):
    assert peak_tflops(name) == tflops
