"""Caption images for the prompt builders (BLIP by default, as the paper).

VOC's train split (what ``configs/dd_voc.py`` is prompted from)::

    python tools/prompts/caption_images.py \
        --image-list data/VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt \
        --image-dir data/VOCdevkit/VOC2012/JPEGImages \
        --out data/voc_captions.json

or every image of a folder: ``--image-dir my_images --out captions.json``.
Writes ``{"<id>": "<caption>"}`` JSON (the id is the file name without its
suffix), which ``build_voc_prompts.py --captions`` reads. The file is saved
after every batch; rerun the same command after an interruption and only the
missing images are captioned.
"""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from mmdd.prompts.caption_files import (caption_images, images_in_folder,
                                        images_in_list)
from mmdd.prompts.captioner import DEFAULT_CAPTION_MODEL, Captioner
from mmdd.utils.cli import add_options, exit_code, positive_int


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--image-dir', required=True, type=Path,
        help='the images (searched recursively unless '
        '--image-list names them)')
    parser.add_argument(
        '--image-list', type=Path, help='ids to caption, one a line (e.g. VOC '
        'ImageSets/Segmentation/train.txt); the image is '
        '<image-dir>/<id><suffix>')
    parser.add_argument('--suffix', default='.jpg',
                        help='image file suffix with --image-list')
    add_options(
        parser, 'out', 'model',
        out=dict(required=True, help='captions file to write or resume '
                 '(.json)'), model=dict(
                     default=DEFAULT_CAPTION_MODEL,
                     help='hub id or local folder of an image-to-text '
                     'checkpoint (BLIP, BLIP-2, GIT, ...)'))
    parser.add_argument(
        '--prompt', default=None,
        help='text the caption continues, removed from the '
        'result (e.g. "a photography of" for BLIP)')
    add_options(parser, 'batch-size')
    parser.add_argument('--max-new-tokens', type=positive_int, default=30)
    parser.add_argument('--num-beams', type=positive_int, default=3,
                        help='beam width (1: greedy)')
    add_options(
        parser, 'device', 'dtype',
        device=dict(default=None,
                    help='default: cuda when available, else cpu'),
        dtype=dict(help='default: fp16 on a GPU, fp32 on a CPU'))
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    if args.image_list is not None:
        images = images_in_list(args.image_list, args.image_dir, args.suffix)
    else:
        images = images_in_folder(args.image_dir)
    captioner = Captioner.from_pretrained(args.model, device=args.device,
                                          dtype=args.dtype, prompt=args.prompt,
                                          max_new_tokens=args.max_new_tokens,
                                          num_beams=args.num_beams)
    summary = caption_images(captioner, images, args.out, args.batch_size)
    print(f'images: {summary.total}; {summary.already} captioned before, '
          f'{summary.written} now, {len(summary.skipped)} unreadable '
          '(skipped; a rerun tries them again)')
    print(f'captions in {args.out}')


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        return exit_code(run, args)
    except KeyboardInterrupt:
        print(
            f'interrupted: the captions finished so far are in {args.out}; '
            'rerun the same command to continue', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(main())
