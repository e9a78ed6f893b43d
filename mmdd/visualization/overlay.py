"""One sample as a picture: image | label blended on it | confidence.

The ignored region (label 255: uncertain in synthetic data, boundaries in
VOC) is hatched and outlined in one colour on both label and confidence
panels, so it stands out from every palette colour.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

IGNORE_COLOR = '#ff00ff'  # magenta: in no dataset palette mmdd ships
IGNORE_HATCH = '////'
PANEL_INCHES = 3.5
LEGEND_COLUMNS = 4


def blend_label(image: np.ndarray, label: np.ndarray,
                palette: Sequence[Sequence[int]], ignore_index: int = 255,
                alpha: float = 0.5) -> np.ndarray:
    """``image`` with each class's palette colour blended in by ``alpha``;
    ignored pixels are left as they are (``draw_sample`` hatches them)."""
    if image.shape[:2] != label.shape:
        raise ValueError(f'image is {image.shape[:2]} but label is '
                         f'{label.shape}; they must have the same size')
    colors = np.zeros((256, 3), np.float32)
    colors[:len(palette)] = np.asarray(palette, np.float32)
    blended = image.astype(np.float32) * (1 - alpha) + colors[label] * alpha
    keep = label == ignore_index
    blended[keep] = image[keep]
    return blended.round().astype(np.uint8)


def _mark_ignored(ax: Axes, ignored: np.ndarray) -> None:
    """Hatch and outline the ignored pixels of an ``imshow`` panel."""
    if not ignored.any():
        return
    # A zero border closes the outline of regions that touch the edge.
    padded = np.pad(ignored.astype(np.float32), 1)
    xs = np.arange(-1, ignored.shape[1] + 1)
    ys = np.arange(-1, ignored.shape[0] + 1)
    with rc_context({'hatch.color': IGNORE_COLOR, 'hatch.linewidth': 1.0}):
        ax.contourf(xs, ys, padded, levels=[0.5, 1.5], colors='none',
                    hatches=[IGNORE_HATCH])
    ax.contour(xs, ys, padded, levels=[0.5], colors=IGNORE_COLOR,
               linewidths=1.2)


def _legend_handles(label: np.ndarray, classes: Sequence[str],
                    palette: Sequence[Sequence[int]],
                    ignore_index: int) -> list:
    counts = np.bincount(label.ravel(), minlength=256)
    share = counts / label.size
    handles = [
        Patch(
            facecolor=np.asarray(palette[c]) / 255, edgecolor='black',
            label=f'{classes[c]} {100 * share[c]:.1f}%')
        for c in range(len(classes)) if counts[c]
    ]
    if counts[ignore_index]:
        handles.append(
            Patch(
                facecolor='white', edgecolor=IGNORE_COLOR, hatch=IGNORE_HATCH,
                label=f'uncertain/ignored ({ignore_index}) '
                f'{100 * share[ignore_index]:.1f}%'))
    return handles


def draw_sample(image: np.ndarray, label: np.ndarray, classes: Sequence[str],
                palette: Sequence[Sequence[int]],
                confidence: Optional[np.ndarray] = None,
                ignore_index: int = 255, title: str = '',
                alpha: float = 0.5) -> Figure:
    """A figure of one sample with a legend of the classes it contains.

    Args:
        image: ``H x W x 3`` RGB uint8.
        label: ``H x W`` class indices (``ignore_index`` = ignored).
        classes, palette: the dataset's metainfo.
        confidence: optional ``H x W`` floats in [0, 1], drawn as a heat map.
    """
    ignored = label == ignore_index
    handles = _legend_handles(label, classes, palette, ignore_index)
    panels = 2 if confidence is None else 3
    height, width = label.shape
    panel_w = PANEL_INCHES * min(max(width / height, 0.5), 2.5)
    legend_rows = -(-len(handles) // LEGEND_COLUMNS)
    fig = Figure(
        figsize=(panel_w * panels + 0.6 * (panels == 3),
                 PANEL_INCHES + 0.6 + 0.25 * legend_rows),
        layout='constrained')
    axes = fig.subplots(1, panels)
    axes[0].imshow(image)
    axes[0].set_title('image')
    axes[1].imshow(
        blend_label(image, label, palette, ignore_index, alpha),
        interpolation='nearest')
    _mark_ignored(axes[1], ignored)
    axes[1].set_title('label')
    if confidence is not None:
        if confidence.shape != label.shape:
            raise ValueError(f'confidence is {confidence.shape} but label is '
                             f'{label.shape}; they must have the same size')
        heat = axes[2].imshow(confidence, cmap='viridis', vmin=0, vmax=1,
                              interpolation='nearest')
        _mark_ignored(axes[2], ignored)
        axes[2].set_title('confidence')
        fig.colorbar(heat, ax=axes[2], fraction=0.046, pad=0.02)
    for ax in axes:
        ax.set_axis_off()
    if handles:
        fig.legend(handles=handles, loc='outside lower center',
                   ncol=min(len(handles),
                            LEGEND_COLUMNS), fontsize='small', frameon=False)
    if title:
        fig.suptitle(title, fontsize='medium')
    return fig


_STRIP_GAP = 2  # white pixels between label_strip's panels, before scaling


def label_strip(image: np.ndarray, labels: Sequence[np.ndarray],
                palette: Sequence[Sequence[int]], ignore_index: int = 255,
                scale: int = 4) -> np.ndarray:
    """One row: the image, then each label map painted in its palette
    colours (ignored pixels in magenta), upscaled ``scale`` x (nearest)."""
    colors = np.zeros((256, 3), np.uint8)
    colors[:len(palette)] = np.asarray(palette, np.uint8)
    colors[ignore_index] = (255, 0, 255)
    gap = np.full((image.shape[0], _STRIP_GAP, 3), 255, np.uint8)
    panels = [image]
    for label in labels:
        panels += [gap, colors[label]]
    row = np.concatenate(panels, axis=1)
    return row.repeat(scale, axis=0).repeat(scale, axis=1)


def label_strip_pitch(image_width: int, scale: int = 4) -> int:
    """Pixels from one panel of a :func:`label_strip` row to the next."""
    return (image_width + _STRIP_GAP) * scale


def titled(picture: np.ndarray, titles: Sequence[Tuple[int,
                                                       str]]) -> np.ndarray:
    """``picture`` under an 18-pixel white header with each ``(x, text)``
    of ``titles`` written at its x (e.g. above the panels of
    :func:`label_strip` rows)."""
    from PIL import Image, ImageDraw
    header = Image.new('RGB', (picture.shape[1], 18), 'white')
    draw = ImageDraw.Draw(header)
    for x, text in titles:
        draw.text((x + 4, 3), text, fill='black')
    return np.concatenate([np.asarray(header), picture])
