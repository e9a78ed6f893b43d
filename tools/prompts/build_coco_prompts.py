"""Build COCO generation prompts (one JSON object a line).

Each image with at least one annotated object gives one record per caption
(up to ``--captions-per-image``): the caption plus the categories of the
image's instance annotations, in COCO's 80-class order. A
``--template-fraction`` of the records gets a template caption instead
(``a photo of a dog and a cat``), as the paper mixes in. Example::

    python tools/prompts/build_coco_prompts.py \
        --captions data/coco/annotations/captions_train2017.json \
        --instances data/coco/annotations/instances_train2017.json \
        --out data/prompts/coco_train.jsonl --template-fraction 0.1
"""
import argparse
import random
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from mmdd.prompts import (COCO_CLASSES, PromptRecord, image_records,
                          read_captions, template_record)
from mmdd.prompts.coco_instances import load_coco_instances
from mmdd.prompts.summary import write_and_summarize
from mmdd.utils.cli import add_options, exit_code
from mmdd.utils.progress import progress_bar


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build COCO prompts from captions and instances.')
    parser.add_argument('--captions', required=True, type=Path,
                        help='captions_train2017.json')
    parser.add_argument('--instances', required=True, type=Path,
                        help='instances_train2017.json')
    add_options(
        parser, 'out', 'captions-per-image',
        out=dict(required=True, help='output prompt file (.jsonl)'),
        captions_per_image=dict(help='records per image (COCO has ~5 '
                                'captions each)'))
    parser.add_argument(
        '--template-fraction', type=float, default=0.0,
        help='share of captioned records whose caption is '
        'replaced by a template of their classes')
    add_options(parser, 'seed',
                seed=dict(help='seed choosing the template records'))
    return parser.parse_args(argv)


def apply_templates(records: List[PromptRecord], fraction: float, seed: int,
                    skip: Sequence[str] = ()) -> List[str]:
    """Turn ``round(fraction * n)`` of the n records not in ``skip`` (those
    are templates already), drawn by ``seed``, into template records in
    place; returns their ids."""
    skip = set(skip)
    candidates = [i for i, r in enumerate(records) if r.id not in skip]
    count = round(fraction * len(candidates))
    chosen = sorted(random.Random(seed).sample(candidates, count))
    for index in chosen:
        record = records[index]
        records[index] = template_record(record.id, record.classes,
                                         COCO_CLASSES)
    return [records[i].id for i in chosen]


def build(args: argparse.Namespace) -> None:
    if not 0.0 <= args.template_fraction <= 1.0:
        raise ValueError(f'--template-fraction must be in [0, 1], got '
                         f'{args.template_fraction}')
    classes = load_coco_instances(args.instances).classes_by_stem()
    captions = read_captions(args.captions)
    records, templates, empty = image_records(
        progress_bar(classes.items(), total=len(classes), desc='images'),
        captions, COCO_CLASSES, args.captions_per_image)
    templates += apply_templates(records, args.template_fraction, args.seed,
                                 skip=templates)
    print(f'images: {len(classes)}; {len(empty)} without annotations '
          f'(skipped), {len(templates)} template records')
    write_and_summarize(records, args.out, COCO_CLASSES, templates)


def main(argv: Optional[Sequence[str]] = None) -> int:
    return exit_code(build, parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
