"""Write the shapes world's real splits (and generation prompts).

    python tools/shapes/make_dataset.py data/shapes

``img_dir/{train,val,test}`` and ``ann_dir/...`` (exact label maps) for
``ShapesDataset``, and ``prompts.jsonl`` (captions of fresh scenes with
their classes) for ``SynthDataset``. Deterministic and idempotent.
"""
import argparse
import os.path as osp

from mmdd.datasets.shapes_dataset import write_shapes_split
from mmdd.shapes.prompts import write_shapes_prompts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='output folder, e.g. data/shapes')
    parser.add_argument('--train', type=int, default=400,
                        help='real training scenes (the upper bound)')
    parser.add_argument('--val', type=int, default=50)
    parser.add_argument('--test', type=int, default=200)
    parser.add_argument('--prompts', type=int, default=400,
                        help='generation prompts written to prompts.jsonl')
    args = parser.parse_args()
    for split in ('train', 'val', 'test'):
        count = getattr(args, split)
        if count:
            write_shapes_split(args.root, split, count)
            print(f'{split}: {count} scenes in {args.root}')
    if args.prompts:
        path = write_shapes_prompts(
            osp.join(args.root, 'prompts.jsonl'), args.prompts)
        print(f'{args.prompts} prompts in {path}')


if __name__ == '__main__':
    main()
