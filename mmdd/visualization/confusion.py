"""A segmenter's confusion matrix as a picture, with per-class IoU."""
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from mmdd.diffusion.labelling.confusion import class_iou


def plot_confusion(matrix: np.ndarray, classes: Sequence[str],
                   title: str = '') -> Figure:
    """Rows: true class, columns: predicted; cells: % of the row's pixels.

    Row labels carry each class's IoU, so the figure reads like mmseg's
    per-class table.
    """
    matrix = np.asarray(matrix, np.float64)
    if matrix.shape != (len(classes), len(classes)):
        raise ValueError(f'matrix is {matrix.shape} for {len(classes)} '
                         'classes')
    rows = matrix.sum(1, keepdims=True)
    share = np.divide(100 * matrix, rows, out=np.zeros_like(matrix), where=rows
                      > 0)
    iou = 100 * class_iou(matrix)
    size = 1.2 + 0.75 * len(classes)
    fig = Figure(figsize=(size + 1.5, size), layout='constrained')
    ax = fig.subplots()
    ax.imshow(share, cmap='Blues', vmin=0, vmax=100)
    for (i, j), value in np.ndenumerate(share):
        ax.text(j, i, f'{value:.0f}', ha='center', va='center',
                fontsize='small', color='white' if value > 60 else 'black')
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes, rotation=45, ha='right')
    ax.set_yticks(
        ticks,
        [f'{name} (IoU {value:.1f})' for name, value in zip(classes, iou)])
    ax.set_xlabel('predicted')
    ax.set_ylabel('true class')
    ax.set_title(title or f'mIoU {np.nanmean(iou):.1f}; cells: % of row')
    return fig
