"""Train the shapes world's tiny text-to-image model (diffusers layout).

    python tools/shapes/train_t2i.py --out work_dirs/shapes-t2i
    python tools/shapes/train_t2i.py --preset sd-proportioned \\
        --out work_dirs/shapes-t2i-sd
    python tools/shapes/train_t2i.py --preset dit --device cuda \\
        --vae-from mmdd/shapes/pretrained/shapes-t2i-sd \\
        --out work_dirs/shapes-dit

writes a folder that ``StableDiffusionPipeline.from_pretrained`` loads
(fp16 safetensors), with ``train_settings.json`` inside and
``<out>.train_log.jsonl`` (losses, seconds) beside it. It is saved every
``--save-every`` steps (weights averaged by EMA), so an interrupted run
leaves a usable model. ``--init-from <model>`` continues a trained model
(same settings, a new schedule): a long run in parts. The defaults made
``mmdd/shapes/pretrained/shapes-t2i``; ``--preset sd-proportioned`` made
``shapes-t2i-sd`` and ``--preset dit`` ``shapes-dit`` (see the README
there). Flags after the preset override single settings.
"""
import argparse
import dataclasses

import torch

from mmdd.shapes.t2i import PRESETS, TrainSettings, train


def settings_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='output model folder')
    parser.add_argument('--preset', choices=sorted(PRESETS), default='default',
                        help='starting settings (see mmdd.shapes.t2i)')
    parser.add_argument(
        '--save-every', type=int, default=1000,
        help='steps between saves; each save rounds the EMA weights to '
        'fp16, so a model is reproduced byte for byte only with its own '
        'value (default: 1000)')
    parser.add_argument('--vae-from', help='reuse the vae of this model')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch decides)')
    parser.add_argument(
        '--device', default='cpu',
        help='where to train, e.g. cuda (default: cpu); random numbers are '
        'drawn on the CPU either way')
    for field in dataclasses.fields(TrainSettings):
        flag = '--' + field.name.replace('_', '-')
        if field.type in (tuple, 'tuple'):
            parser.add_argument(flag, type=int, nargs='+', default=None)
        elif field.type in (bool, 'bool'):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction,
                                default=None)
        elif field.default is None:
            parser.add_argument(flag, default=None)
        else:
            parser.add_argument(flag, type=type(field.default), default=None)
    return parser


def settings_from(args: argparse.Namespace) -> TrainSettings:
    """The preset, then every flag given on the command line."""
    values = dict(PRESETS[args.preset])
    for field in dataclasses.fields(TrainSettings):
        value = getattr(args, field.name)
        if value is not None:
            values[field.name] = (
                tuple(value) if isinstance(value, list) else value)
    return TrainSettings(**values)


def main() -> None:
    args = settings_parser().parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train(
        settings_from(args), args.out, save_every=args.save_every,
        vae_from=args.vae_from, device=args.device)


if __name__ == '__main__':
    main()
