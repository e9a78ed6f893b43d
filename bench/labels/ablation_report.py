"""The ablation's report: its markdown table and its pictures."""
import os
import os.path as osp
from typing import Dict, List

import numpy as np
from PIL import Image

from bench.labels.ablation_rows import Row


def save_pictures(path: str, pictures: Dict[bool, list],
                  rows: List[Row]) -> None:
    """Per sample: the caption-only image, its oracle and row a; then the
    image with appended class names, its oracle and rows b-e."""
    from mmdd.shapes.world import SHAPES_PALETTE
    from mmdd.visualization import label_strip, label_strip_pitch, titled
    strips = []
    for (image_a, truth_a, a), (image, truth,
                                rest) in zip(pictures[False], pictures[True]):
        left = label_strip(image_a, [truth_a, *a], SHAPES_PALETTE)
        right = label_strip(image, [truth, *rest], SHAPES_PALETTE)
        gap = np.full((left.shape[0], 24, 3), 255, np.uint8)
        strips.append(np.concatenate([left, gap, right], axis=1))
    left_names = ['caption only', 'oracle'
                  ] + [r.key for r in rows if not r.appended]
    right_names = ['appended', 'oracle'] + [r.key for r in rows if r.appended]
    panel = label_strip_pitch(pictures[True][0][0].shape[1])
    right_start = left.shape[1] + gap.shape[1]
    picture = titled(
        np.concatenate(strips),
        [(i * panel, name) for i, name in enumerate(left_names)] +
        [(right_start + i * panel, name)
         for i, name in enumerate(right_names)])
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    Image.fromarray(picture).save(path)


def table(model: str, rows: List[Row], scores: Dict, down: Dict,
          real_count: int, real: tuple) -> str:

    def fmt(value) -> str:
        return '-' if value is None else f'{value[0]:.1f} ± {value[1]:.1f}'

    lines = [
        f'**{model}**', '',
        '| row | step | label mIoU | precision | ignored | test mIoU '
        '(mean ± std) | / real |',
        '| --- | --- | --- | --- | --- | --- | --- |'
    ]
    for row in rows:
        score = scores.get(row.key if row.training == 'ignore' else None)
        if row.training == 'oracle':
            label = '| (the oracle) | | | '
        elif score is None:
            label = '| (as e) | | | '
        else:
            label = (f'| {100 * score.miou:.1f} | '
                     f'{100 * score.precision:.1f} | '
                     f'{100 * score.ignored:.1f}% | ')
        value = down.get(row.key)
        ratio = ('-' if value is None or real is None else
                 f'{100 * value[0] / real[0]:.1f}%')
        lines.append(f'| {row.key} | {row.step} {label}{fmt(value)} | '
                     f'{ratio} |')
    lines.append(f'| real | {real_count} real scenes, exact labels | | | | '
                 f'{fmt(real)} | 100% |')
    return '\n'.join(lines)
