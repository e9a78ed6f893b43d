"""How close the UNet runs to the card's FLOP bound.

FLOPs of one UNet call (both guidance halves) are counted with
``torch.utils.flop_counter`` (attention counted through the math kernel,
whose matrix products are the same as the fused ones'); time is the median
of timed UNet calls, and the bound is the card's dense fp16/bf16 tensor
peak from :data:`PEAK_TFLOPS` (vendor datasheets, no sparsity).
"""
import statistics
from typing import Dict, Optional

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from bench.common.measure import timed

# Dense fp16/bf16 tensor-core peak, TFLOP/s, by a piece of the device name
# (first match wins, so specific names come first).
PEAK_TFLOPS = (
    ('H100 PCIe', 756.0),
    ('H100 NVL', 835.0),
    ('H100', 989.4),
    ('H200', 989.4),
    ('GH200', 989.4),
    ('B200', 2250.0),
    ('A100', 312.0),
    ('A10G', 70.0),
    ('A10', 125.0),
    ('L40S', 362.0),
    ('L40', 181.0),
    ('L4', 121.0),
    ('RTX 4090', 165.2),
    ('RTX 3090', 71.0),
    ('V100', 125.0),
    ('T4', 65.0),
)


def peak_tflops(device_name: str) -> Optional[float]:
    for piece, tflops in PEAK_TFLOPS:
        if piece in device_name:
            return tflops
    return None


def unet_inputs(unet: torch.nn.Module, rows: int) -> Dict:
    """Random inputs for one UNet call of ``rows`` latents (SD and SDXL)."""
    config, device, dtype = unet.config, unet.device, unet.dtype
    size = config.sample_size
    kwargs = dict(
        sample=torch.randn(rows, config.in_channels, size, size, device=device,
                           dtype=dtype),
        timestep=torch.tensor(500, device=device),
        encoder_hidden_states=torch.randn(rows, 77, config.cross_attention_dim,
                                          device=device, dtype=dtype))
    if config.addition_embed_type == 'text_time':  # SDXL
        time_dim = 6 * config.addition_time_embed_dim
        kwargs['added_cond_kwargs'] = dict(
            text_embeds=torch.randn(
                rows, config.projection_class_embeddings_input_dim - time_dim,
                device=device, dtype=dtype),
            time_ids=torch.randn(rows, 6, device=device, dtype=dtype))
    return kwargs


def flop_bound_row(pipeline, batch: int, device: str, peak: Optional[float],
                   generation_s: float, steps: int, calls: int = 10) -> Dict:
    """UNet FLOPs per step, its time, and fractions of the FLOP bound."""
    unet = pipeline.unet
    inputs = unet_inputs(unet, 2 * batch)
    with torch.no_grad():
        with FlopCounterMode(display=False) as counter, \
                sdpa_kernel(SDPBackend.MATH):
            unet(**inputs)
        flops = counter.get_total_flops()
        unet(**inputs)  # warm-up
        step_s = statistics.median(
            timed(lambda: unet(**inputs), device)['wall']
            for _ in range(calls))
    name = (
        torch.cuda.get_device_name(device)
        if device.startswith('cuda') else device)
    if peak is None and unet.dtype in (torch.float16, torch.bfloat16):
        peak = peak_tflops(name)  # the table holds fp16/bf16 peaks only
    achieved = flops / step_s / 1e12
    row = dict(
        unet_gflop_per_step=round(flops / 1e9,
                                  1), unet_step_ms=round(step_s * 1e3, 2),
        achieved_tflops=achieved, peak_tflops=peak, device_name=name)
    if peak:
        row.update(
            fraction_unet=achieved / peak,
            fraction_generation=flops * steps / generation_s / 1e12 / peak)
    return row
