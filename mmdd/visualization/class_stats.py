"""Per-class counts of a set of label maps, as a table and as a bar chart.

For each class: its share of all pixels and how many images contain it;
the ignored value (255) gets the same two numbers, reported apart.
"""
import csv
import json
from pathlib import Path
from typing import Dict, List, Sequence, Union

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .overlay import IGNORE_COLOR, IGNORE_HATCH

CSV_FIELDS = ('index', 'name', 'pixels', 'pixel_share', 'images',
              'image_share')


class ClassStats:
    """Running pixel and image counts over label maps of ``classes``."""

    def __init__(self, classes: Sequence[str],
                 ignore_index: int = 255) -> None:
        self.classes = list(classes)
        self.ignore_index = ignore_index
        self.pixels = np.zeros(len(self.classes), np.int64)
        self.images = np.zeros(len(self.classes), np.int64)
        self.ignored_pixels = 0
        self.ignored_images = 0
        self.num_images = 0
        self.num_pixels = 0

    def update(self, label: np.ndarray, name: str = 'label') -> None:
        """Count one label map; ``name`` (its file) appears in errors."""
        values, counts = np.unique(label, return_counts=True)
        bad = [
            int(v) for v in values
            if v >= len(self.classes) and v != self.ignore_index
        ]
        if bad:
            raise ValueError(
                f'{name} has values {bad}, outside the {len(self.classes)} '
                f'classes (0..{len(self.classes) - 1}) and the ignore index '
                f'{self.ignore_index}; check the dataset\'s metainfo classes '
                'and reduce_zero_label.')
        for value, count in zip(values, counts):
            if value == self.ignore_index:
                self.ignored_pixels += int(count)
                self.ignored_images += 1
            else:
                self.pixels[value] += count
                self.images[value] += 1
        self.num_images += 1
        self.num_pixels += label.size

    def rows(self) -> List[Dict]:
        """One row per class, then one for the ignored value."""
        rows = [
            self._row(i, name, int(p), int(n)) for i, (
                name, p,
                n) in enumerate(zip(self.classes, self.pixels, self.images))
        ]
        rows.append(
            self._row(self.ignore_index,
                      f'uncertain/ignored ({self.ignore_index})',
                      self.ignored_pixels, self.ignored_images))
        return rows

    def _row(self, index: int, name: str, pixels: int, images: int) -> Dict:
        return dict(index=index, name=name, pixels=pixels,
                    pixel_share=pixels / max(self.num_pixels, 1),
                    images=images,
                    image_share=images / max(self.num_images, 1))

    def save(self, csv_path: Union[str, Path], json_path: Union[str,
                                                                Path]) -> None:
        rows = self.rows()
        with open(csv_path, 'w', newline='', encoding='utf-8') as f:
            writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        summary = dict(num_images=self.num_images, num_pixels=self.num_pixels,
                       ignore_index=self.ignore_index, classes=rows[:-1],
                       uncertain=rows[-1])
        Path(json_path).write_text(
            json.dumps(summary, indent=1), encoding='utf-8')


def plot_class_stats(stats: ClassStats, palette: Sequence[Sequence[int]],
                     title: str = '') -> Figure:
    """Horizontal bars: pixel share (%) and images containing each class."""
    rows = stats.rows()
    names = [row['name'] for row in rows]
    colors = [np.asarray(palette[i]) / 255 for i in range(len(stats.classes))]
    colors.append((1.0, 1.0, 1.0))
    fig = Figure(figsize=(10, 1.2 + 0.22 * len(rows)), layout='constrained')
    share_ax, image_ax = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(rows))
    for ax, key, scale, xlabel in (
        (share_ax, 'pixel_share', 100, 'share of all pixels (%)'),
        (image_ax, 'images', 1,
         f'images containing it (of {stats.num_images})')):
        values = [row[key] * scale for row in rows]
        bars = ax.barh(y, values, color=colors, edgecolor='black',
                       linewidth=0.5)
        bars[-1].set_hatch(IGNORE_HATCH)
        bars[-1].set_edgecolor(IGNORE_COLOR)
        ax.bar_label(bars, fmt='%.1f' if scale == 100 else '%d',
                     fontsize='x-small', padding=2)
        ax.set_xlabel(xlabel)
        ax.margins(x=0.15)
    image_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    share_ax.set_yticks(y, names, fontsize='small')
    share_ax.set_ylim(len(rows) - 0.4, -0.6)  # first class on top
    if title:
        fig.suptitle(title)
    return fig
