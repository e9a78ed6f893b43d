"""Train the shapes world's tiny text-to-image model (diffusers layout).

    python tools/shapes/train_t2i.py --out work_dirs/shapes-t2i

writes a folder that ``StableDiffusionPipeline.from_pretrained`` loads
(fp16 safetensors), with ``train_settings.json`` inside and
``<out>.train_log.jsonl`` (losses, seconds) beside it. It is saved every
``--save-every`` steps (weights averaged by EMA), so an interrupted run
leaves a usable model. The defaults made the weights shipped in
``mmdd/shapes/pretrained/shapes-t2i`` (see the README there).
"""
import argparse
import dataclasses

import torch

from mmdd.shapes.t2i import TrainSettings, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='output model folder')
    parser.add_argument('--save-every', type=int, default=1000)
    parser.add_argument('--vae-from', help='reuse the vae of this model')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch decides)')
    for field in dataclasses.fields(TrainSettings):
        flag = '--' + field.name.replace('_', '-')
        if field.type in (tuple, 'tuple'):
            parser.add_argument(flag, type=int, nargs='+',
                                default=list(field.default))
        else:
            parser.add_argument(flag, type=type(field.default),
                                default=field.default)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = TrainSettings(
        **{
            f.name: (tuple(getattr(args, f.name)) if f.type in (
                tuple, 'tuple') else getattr(args, f.name))
            for f in dataclasses.fields(TrainSettings)
        })
    train(settings, args.out, save_every=args.save_every,
          vae_from=args.vae_from)


if __name__ == '__main__':
    main()
