"""What trained segmenters predict on the real test scenes, side by side.

Shows why a row of ``bench.labels.label_ablation`` with better labels can
test lower: for each run (``KEY=WORK_DIR``, a finished grid run with its
config and checkpoint) it prints, per true class, the share of its test pixels
predicted as that class and where the rest go, and draws test scenes
(image | truth | each run's prediction), those with ``--class-name`` first.

    python -m bench.labels.segmenter_predictions \\
        --runs c=work_dirs/bench_ablation/shapes-t2i-sd/c_seed0 \\
               d1=work_dirs/bench_ablation/shapes-t2i-sd/d1_seed0 \\
        --class-name star --out docs/images/ablation_predictions.png
"""
import argparse
import glob
import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
from PIL import Image

from mmdd.diffusion.labelling.confusion import ConfusionCounter
from mmdd.utils.cli import add_options


def parse_runs(pairs: Sequence[str]) -> Dict[str, str]:
    """``KEY=WORK_DIR`` pairs, each a folder holding a config and a
    checkpoint."""
    runs = {}
    for pair in pairs:
        key, _, work_dir = pair.partition('=')
        if not key or not osp.isdir(work_dir):
            raise SystemExit(f'--runs: {pair!r} is not KEY=WORK_DIR with an '
                             f'existing folder, e.g. c=work_dirs/'
                             f'bench_ablation/shapes-t2i-sd/c_seed0')
        runs[key] = work_dir
    return runs


def checkpoint_of(work_dir: str) -> tuple:
    """The run's config and its newest checkpoint (mmengine's
    ``last_checkpoint`` file names it)."""
    configs = sorted(glob.glob(osp.join(work_dir, '*.py')))
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not configs or not osp.isfile(pointer):
        raise SystemExit(f'{work_dir}: no config or last_checkpoint; is it a '
                         f'finished run?')
    with open(pointer) as file:
        checkpoint = file.read().strip()
    if not osp.isabs(checkpoint):
        checkpoint = osp.join(work_dir, osp.basename(checkpoint))
    return configs[0], checkpoint


def predict(work_dir: str, images: Sequence[str]) -> List[np.ndarray]:
    """The run's predictions for ``images`` on the CPU."""
    from mmseg.apis import inference_model, init_model
    config, checkpoint = checkpoint_of(work_dir)
    model = init_model(config, checkpoint, device='cpu')
    return [
        inference_model(model,
                        path).pred_sem_seg.data[0].numpy().astype(np.uint8)
        for path in images
    ]


def where_classes_go(predictions: Sequence[np.ndarray],
                     truths: Sequence[np.ndarray],
                     num_classes: int) -> np.ndarray:
    """Row-normalised confusion (rows: true class, columns: predicted)."""
    counter = ConfusionCounter(num_classes)
    for prediction, truth in zip(predictions, truths):
        counter.add(prediction, truth)
    matrix = counter.matrix.astype(np.float64)
    return matrix / np.maximum(matrix.sum(1, keepdims=True), 1)


def describe(key: str, shares: np.ndarray, classes: Sequence[str]) -> str:
    """One markdown row: each class's share predicted right, and its
    largest wrong destination."""
    cells = []
    for i, name in enumerate(classes):
        wrong = shares[i].copy()
        wrong[i] = 0
        j = int(wrong.argmax())
        cells.append(f'{100 * shares[i, i]:.0f} % ({classes[j]} '
                     f'{100 * wrong[j]:.0f} %)')
    return f'| {key} | ' + ' | '.join(cells) + ' |'


def scenes_first_with(truths: Sequence[np.ndarray], class_id: int,
                      count: int) -> List[int]:
    """Indices of ``count`` scenes, those containing ``class_id`` first."""
    has_class = [bool((t == class_id).any()) for t in truths]
    order = sorted(range(len(truths)), key=lambda i: not has_class[i])
    return order[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', nargs='+', required=True,
                        metavar='KEY=WORK_DIR')
    parser.add_argument('--data-root', default='work_dirs/bench_ablation/data',
                        help='holds img_dir/test and ann_dir/test')
    parser.add_argument('--class-name', default=None,
                        help='draw scenes with this class first')
    add_options(
        parser, 'pictures-rows', 'out',
        out=dict(default='work_dirs/predictions.png', help='the picture'))
    args = parser.parse_args()
    runs = parse_runs(args.runs)

    from mmdd.shapes.world import SHAPES_CLASSES, SHAPES_PALETTE
    from mmdd.utils import register_all_modules
    from mmdd.visualization import label_strip, label_strip_pitch, titled
    register_all_modules(init_default_scope=True)
    if args.class_name not in (None, *SHAPES_CLASSES):
        raise SystemExit(f'--class-name: {args.class_name!r} is not one of '
                         f'{", ".join(SHAPES_CLASSES)}')
    images = sorted(
        glob.glob(osp.join(args.data_root, 'img_dir', 'test', '*')))
    if not images:
        raise SystemExit(f'--data-root: no test images in '
                         f'{osp.join(args.data_root, "img_dir", "test")}')
    truths = [
        np.asarray(
            Image.open(
                osp.join(args.data_root, 'ann_dir', 'test',
                         osp.splitext(osp.basename(path))[0] + '.png')))
        for path in images
    ]
    predictions = {key: predict(wd, images) for key, wd in runs.items()}

    print(f'{len(images)} test scenes: share of each true class predicted '
          f'as itself (and its largest other destination)\n')
    print('| run | ' + ' | '.join(SHAPES_CLASSES) + ' |')
    print('| --- ' * (len(SHAPES_CLASSES) + 1) + '|')
    for key, predicted in predictions.items():
        shares = where_classes_go(predicted, truths, len(SHAPES_CLASSES))
        print(describe(key, shares, SHAPES_CLASSES))

    class_id = (
        SHAPES_CLASSES.index(args.class_name) if args.class_name else 0)
    rows = [
        label_strip(
            np.asarray(Image.open(images[i]).convert('RGB')),
            [truths[i]] + [predictions[k][i] for k in runs], SHAPES_PALETTE)
        for i in scenes_first_with(truths, class_id, args.pictures_rows)
    ]
    pitch = label_strip_pitch(truths[0].shape[1])
    picture = titled(
        np.concatenate(rows),
        [(i * pitch, name)
         for i, name in enumerate(['image', 'truth', *runs])])
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    Image.fromarray(picture).save(args.out)
    print(f'\npicture: {args.out}')


if __name__ == '__main__':
    main()
