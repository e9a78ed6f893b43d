"""The arithmetic of docs/cost.md: FLOPs of a paper-scale generation run.

Counts the FLOPs of SD 2.1-base's UNet (one pass) and VAE decoder at
512x512 on the meta device (no weights, no memory, seconds on a CPU) and
turns them into images per GPU-hour at an assumed share of a GPU's peak::

    python -m bench.overhead.paper_cost_estimate [--utilisation 0.35]

An estimate: measure on the GPU with tools/generate.py for real figures.
"""
import argparse

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from torch.utils.flop_counter import FlopCounterMode

from mmdd.utils.cli import add_options

SD21_UNET = dict(
    sample_size=64, block_out_channels=(320, 640, 1280, 1280),
    layers_per_block=2, attention_head_dim=(5, 10, 20, 20),
    cross_attention_dim=1024, use_linear_projection=True,
    down_block_types=('CrossAttnDownBlock2D', ) * 3 + ('DownBlock2D', ),
    up_block_types=('UpBlock2D', ) + ('CrossAttnUpBlock2D', ) * 3)
SD_VAE = dict(
    block_out_channels=(128, 256, 512, 512), layers_per_block=2,
    down_block_types=('DownEncoderBlock2D', ) * 4,
    up_block_types=('UpDecoderBlock2D', ) * 4, sample_size=512)
TEXT_ENCODER_TFLOP = 0.1  # ~340M params x 77 tokens x 2 prompts x 2


def count_tflop(fn) -> float:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() / 1e12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(parser, 'steps', steps=100)
    parser.add_argument('--images', type=int, default=40000)
    add_options(
        parser, 'peak-tflops',
        peak_tflops=dict(default=989.0,
                         help='dense fp16 peak (H100 SXM: 989, A100: 312)'))
    parser.add_argument('--utilisation', type=float, default=0.35)
    parser.add_argument('--label-overhead', type=float, default=1.05)
    args = parser.parse_args()
    with torch.device('meta'):
        unet = UNet2DConditionModel(**SD21_UNET)
        vae = AutoencoderKL(**SD_VAE)
        latent = torch.randn(1, 4, 64, 64)
        text = torch.randn(1, 77, 1024)
        unet_tflop = count_tflop(
            lambda: unet(latent, torch.tensor([10]), text))
        vae_tflop = count_tflop(lambda: vae.decode(latent))
    params = sum(p.numel() for p in unet.parameters()) / 1e6
    per_image = (args.steps * 2 * unet_tflop + vae_tflop + TEXT_ENCODER_TFLOP)
    seconds = (
        per_image / (args.peak_tflops * args.utilisation) *
        args.label_overhead)
    per_hour = 3600 / seconds
    print(f'UNet ({params:.1f}M params): {unet_tflop:.3f} TFLOP a pass; '
          f'VAE decode: {vae_tflop:.2f} TFLOP')
    print(f'per image: {args.steps} steps x 2 (guidance) x {unet_tflop:.3f} '
          f'+ {vae_tflop:.2f} + {TEXT_ENCODER_TFLOP} = {per_image:.1f} TFLOP')
    print(f'at {args.utilisation:.0%} of {args.peak_tflops:.0f} TFLOPS, '
          f'x{args.label_overhead} for labels: {seconds:.2f} s an image, '
          f'{per_hour:.0f} images per GPU-hour, '
          f'{args.images / per_hour:.1f} GPU-hours for {args.images}')


if __name__ == '__main__':
    main()
