"""Build PASCAL VOC generation prompts (one JSON object a line).

Each image of the split gives one record per caption: the caption plus the
classes present in its ``SegmentationClass`` label map (0 = background and
255 = boundary are not classes). Images without a caption get a template
caption (``a photo of a dog and a cat``). Example::

    python tools/prompts/build_voc_prompts.py \
        --voc-root data/VOCdevkit/VOC2012 --captions data/voc_captions.json \
        --out data/prompts/voc_train.jsonl
"""
import argparse
import sys
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from mmdd.prompts import VOC_CLASSES, image_records, read_captions
from mmdd.prompts.summary import write_and_summarize
from mmdd.utils.cli import add_options, exit_code
from mmdd.utils.progress import progress_bar

IGNORE_INDEX = 255


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build VOC prompts from captions and label maps.')
    parser.add_argument(
        '--voc-root', required=True, type=Path,
        help='VOCdevkit/VOC2012 (holds SegmentationClass/ '
        'and ImageSets/Segmentation/)')
    parser.add_argument(
        '--captions', type=Path,
        help='captions file (.json/.jsonl/.txt, image id -> '
        'caption); without it every prompt is a template')
    add_options(parser, 'out', out=dict(required=True,
                                        help='output prompt file (.jsonl)'))
    parser.add_argument('--split', default='train',
                        help='image list ImageSets/Segmentation/<split>.txt')
    parser.add_argument(
        '--ann-dir', default='SegmentationClass',
        help='label map folder under --voc-root '
        '(SegmentationClassAug for the aug split)')
    add_options(parser, 'captions-per-image')
    return parser.parse_args(argv)


def read_split(voc_root: Path, split: str) -> List[str]:
    """Image ids of ``ImageSets/Segmentation/<split>.txt``."""
    folder = voc_root / 'ImageSets' / 'Segmentation'
    path = folder / f'{split}.txt'
    if not path.is_file():
        found = sorted(p.stem for p in folder.glob('*.txt'))
        raise FileNotFoundError(
            f'{path} not found; --voc-root must be VOCdevkit/VOC2012 and '
            f'--split one of {found or "the lists in " + str(folder)}')
    return [
        line.split()[0] for line in path.read_text().splitlines()
        if line.strip()
    ]


def classes_in_label_map(path: Path) -> List[str]:
    """VOC classes present in a label map (background and 255 left out)."""
    with Image.open(path) as image:
        if image.mode not in ('P', 'L'):
            raise ValueError(
                f'{path}: label map has mode {image.mode}; expected a '
                f'palette (P) or grey (L) PNG of class indices, as VOC '
                f'SegmentationClass/SegmentationClassAug ship them')
        values = np.unique(np.asarray(image))
    bad = [
        int(v) for v in values if v != IGNORE_INDEX and v >= len(VOC_CLASSES)
    ]
    if bad:
        raise ValueError(f'{path}: label values {bad} are not VOC class '
                         f'indices (0-{len(VOC_CLASSES) - 1}, 255 ignored)')
    return [VOC_CLASSES[v] for v in values if 0 < v < len(VOC_CLASSES)]


def label_map_classes(voc_root: Path, ann_dir: str,
                      ids: Sequence[str]) -> Iterator[Tuple[str, List[str]]]:
    """``(image id, classes present)`` of each listed image."""
    for image_id in progress_bar(ids, desc='label maps'):
        path = voc_root / ann_dir / f'{image_id}.png'
        if not path.is_file():
            raise FileNotFoundError(
                f'{path} not found but listed in the split; check --ann-dir '
                f'(SegmentationClassAug for the aug lists)')
        yield image_id, classes_in_label_map(path)


def build(args: argparse.Namespace) -> None:
    ids = read_split(args.voc_root, args.split)
    captions = read_captions(args.captions) if args.captions else {}
    records, templates, empty = image_records(
        label_map_classes(args.voc_root, args.ann_dir, ids), captions,
        VOC_CLASSES, args.captions_per_image)
    print(f'images: {len(ids)} in split {args.split!r}; {len(templates)} '
          f'without a caption (template), {len(empty)} without any object '
          f'(skipped)')
    unused = len(set(captions) - set(ids))
    if unused:
        print(f'captions of {unused} images outside the split were ignored')
    write_and_summarize(records, args.out, VOC_CLASSES, templates)


def main(argv: Optional[Sequence[str]] = None) -> int:
    return exit_code(build, parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
