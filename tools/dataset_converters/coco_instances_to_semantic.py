"""COCO instance annotations -> 81-class semantic label PNGs.

One uint8 PNG per image (named after the image): 0 background, 1..80 the
thing categories in COCO's order (``COCO_CATEGORY_TO_LABEL``), 255 crowd
regions (ignored in evaluation). Crowd regions are drawn first; then the
instances, larger before smaller, so a small object in front of a large one
stays visible, and an instance over a crowd region keeps its class. Example::

    python tools/dataset_converters/coco_instances_to_semantic.py \\
        --instances data/coco/annotations/instances_val2017.json \\
        --out-dir data/coco/annotations/semantic_val2017 --nproc 8

Polygons are rasterised with the pixel-centre rule (pixel ``(x, y)`` covers
``[x, x+1) x [y, y+1)`` and is inside when its centre is), which is what
pycocotools approximates; RLE masks (uncompressed and COCO's compressed
string form) are decoded here, so pycocotools is not needed.
"""
import argparse
import sys
from multiprocessing import Pool
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from matplotlib.path import Path as PolygonPath
from PIL import Image

from mmdd.prompts.class_names import COCO_CATEGORY_TO_LABEL
from mmdd.prompts.coco_instances import load_coco_instances
from mmdd.utils.atomic import atomic_write
from mmdd.utils.cli import exit_code, positive_int
from mmdd.utils.progress import progress_bar

IGNORE = 255
Task = Tuple[dict, List[dict], str]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert COCO instances to 81-class semantic PNGs.')
    parser.add_argument('--instances', required=True, type=Path,
                        help='instances_val2017.json')
    parser.add_argument(
        '--out-dir', required=True, type=Path,
        help='folder for the label PNGs, e.g. '
        'data/coco/annotations/semantic_val2017')
    parser.add_argument('--nproc', type=positive_int, default=1,
                        help='worker processes (default 1)')
    return parser.parse_args(argv)


# ------------------------------------------------------------------- masks
def decode_rle_string(counts: Union[str, bytes]) -> List[int]:
    """Run lengths of COCO's compressed RLE string.

    Each number is written in 5-bit groups, least significant first, as
    ``chr(48 + group)``; bit 0x20 of a group means "more groups follow" and
    bit 0x10 of the last group is the sign. From the third number on, the
    value stored is the difference to the number two places before.
    """
    text = counts.decode('ascii') if isinstance(counts, bytes) else counts
    runs: List[int] = []
    pos = 0
    while pos < len(text):
        value, shift, more = 0, 0, True
        while more:
            if pos == len(text):
                raise ValueError(f'compressed RLE {text!r} ends inside a '
                                 'number; the string is truncated')
            group = ord(text[pos]) - 48
            value |= (group & 0x1f) << shift
            more = bool(group & 0x20)
            pos += 1
            shift += 5
            if not more and group & 0x10:
                value -= 1 << shift
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def rle_to_mask(rle: Dict) -> np.ndarray:
    """``H x W`` bool mask of an RLE dict (``size`` [h, w] + ``counts``):
    alternating runs of 0s and 1s, starting with 0s, in column-major order.
    """
    height, width = rle['size']
    counts = rle['counts']
    if isinstance(counts, (str, bytes)):
        counts = decode_rle_string(counts)
    if any(c < 0 for c in counts) or sum(counts) != height * width:
        raise ValueError(f'RLE runs sum to {sum(counts)} (min '
                         f'{min(counts, default=0)}), not {height}x{width}'
                         f'={height * width}; the counts are corrupt')
    values = np.arange(len(counts)) % 2 == 1
    return np.repeat(values, counts).reshape(width, height).T


def polygons_to_mask(polygons: Sequence[Sequence[float]], height: int,
                     width: int) -> np.ndarray:
    """Union of polygons ``[x0, y0, x1, y1, ...]``, pixel-centre rule."""
    mask = np.zeros((height, width), bool)
    for flat in polygons:
        if len(flat) < 6:  # fewer than 3 points: no area
            continue
        points = np.asarray(flat, np.float64).reshape(-1, 2)
        x0, y0 = np.clip(np.floor(points.min(0)).astype(int), 0, None)
        x1 = min(int(np.ceil(points[:, 0].max())), width)
        y1 = min(int(np.ceil(points[:, 1].max())), height)
        if x1 <= x0 or y1 <= y0:
            continue
        ys, xs = np.mgrid[y0:y1, x0:x1]
        centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
        inside = PolygonPath(points).contains_points(centres)
        mask[y0:y1, x0:x1] |= inside.reshape(y1 - y0, x1 - x0)
    return mask


def annotation_mask(ann: Dict, height: int, width: int) -> np.ndarray:
    segmentation = ann['segmentation']
    if isinstance(segmentation, list):
        return polygons_to_mask(segmentation, height, width)
    if list(segmentation.get('size', [])) != [height, width]:
        raise ValueError(f'annotation {ann.get("id")}: RLE size '
                         f'{segmentation.get("size")} differs from its image '
                         f'({height}x{width})')
    return rle_to_mask(segmentation)


# ------------------------------------------------------------------ labels
def semantic_label(image: Dict, anns: Sequence[Dict]) -> np.ndarray:
    """The label map of one image from its annotations."""
    height, width = image['height'], image['width']
    label = np.zeros((height, width), np.uint8)
    instances = []
    for ann in anns:
        mask = annotation_mask(ann, height, width)
        if ann.get('iscrowd', 0):
            label[mask] = IGNORE
        else:
            label_id = COCO_CATEGORY_TO_LABEL[ann['category_id']]
            instances.append((mask, label_id))
    # Stable sort: equal areas keep the file's order.
    instances.sort(key=lambda item: -int(item[0].sum()))
    for mask, value in instances:
        label[mask] = value
    return label


def convert_one(task: Task) -> None:
    """Write one image's label PNG with the atomic writer."""
    image, anns, out_dir = task
    label = Image.fromarray(semantic_label(image, anns))
    atomic_write(
        Path(out_dir,
             Path(image['file_name']).stem + '.png'),
        lambda tmp: label.save(tmp, format='PNG'))


def load_tasks(path: Path, out_dir: Path) -> Tuple[List[Task], Dict]:
    """One task per image, and counts for the summary; checks the file."""
    coco = load_coco_instances(path)
    tasks = [(image, coco.annotations[image['id']], str(out_dir))
             for image in coco.images]
    anns = [ann for _, image_anns, _ in tasks for ann in image_anns]
    counts = dict(
        images=len(tasks),
        without_annotations=sum(not image_anns for _, image_anns, _ in tasks),
        crowd=sum(bool(a.get('iscrowd', 0)) for a in anns),
        instances=sum(not a.get('iscrowd', 0) for a in anns))
    return tasks, counts


def convert_all(tasks: Sequence[Task], nproc: int) -> None:
    """Convert every task, in ``nproc`` worker processes when above 1."""
    bar = progress_bar(total=len(tasks), desc='label maps')
    if nproc == 1:
        for task in tasks:
            convert_one(task)
            bar.update()
    else:
        with Pool(nproc) as pool:
            for _ in pool.imap_unordered(convert_one, tasks, chunksize=8):
                bar.update()
    bar.close()


def convert(args: argparse.Namespace) -> None:
    tasks, counts = load_tasks(args.instances, args.out_dir)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    convert_all(tasks, args.nproc)
    print(f'{counts["images"]} label maps in {args.out_dir} '
          f'({counts["instances"]} instances, {counts["crowd"]} crowd regions '
          f'as {IGNORE}, {counts["without_annotations"]} images without '
          'annotations are all background)')


def main(argv: Optional[Sequence[str]] = None) -> int:
    return exit_code(convert, parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
