import numpy as np

from mmdd.visualization import plot_confusion

# rows: truth, columns: prediction. IoU by hand: class 0: 8 / (10 + 9 - 8),
# class 1: 4 / (5 + 6 - 4), class 2: never occurs.
MATRIX = np.array([[8, 2, 0], [1, 4, 0], [0, 0, 0]])


def test_row_labels_carry_each_class_iou():
    fig = plot_confusion(MATRIX, ['bg', 'cat', 'dog'])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [
        f'bg (IoU {100 * 8 / 11:.1f})', f'cat (IoU {100 * 4 / 7:.1f})',
        'dog (IoU nan)'
    ]
    assert fig.axes[0].get_title().startswith(
        f'mIoU {(100 * 8 / 11 + 100 * 4 / 7) / 2:.1f}')
