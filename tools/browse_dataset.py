"""Look at a dataset's labels: ``python tools/browse_dataset.py CONFIG``.

For the first ``--num`` samples of a split it writes a picture: the image,
the label blended on it in palette colours, and (when the sample has a
``confidence_path``, as SynthDataset's do) the confidence as a heat map; the
ignored/uncertain region (255) is hatched in magenta. It also counts every
class over the split (``--stats-num`` limits it): share of pixels and number
of images containing it, plus the uncertain share, as
``class_stats.{png,csv,json}``.

Files are read straight from the dataset's data list, not through the
training pipeline, so augmentations do not change what you see. Label maps
go through mmseg's ``LoadAnnotations``, so ``reduce_zero_label`` and
``label_map`` (custom classes) apply exactly as in training. A dataset that
generates its samples (SynthDataset) is built with ``generate=False``:
browsing only reads, and a partial cache (generation still running, or
stopped early) shows the samples that exist, with a note of what is missing
or damaged.

Example::

    python tools/browse_dataset.py configs/dd_voc.py --split train --num 8
"""
import argparse
import copy
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.datasets.transforms import LoadAnnotations
from PIL import Image

from mmdd.datasets import CacheMismatchError
from mmdd.registry import DATASETS
from mmdd.utils import register_all_modules
from mmdd.utils.cli import add_options
from mmdd.utils.dataset_cfgs import iter_dataset_cfgs
from mmdd.utils.progress import progress_bar
from mmdd.visualization import ClassStats, draw_sample, plot_class_stats

SPLITS = ('train', 'val', 'test')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw samples of a dataset and count its classes.')
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', choices=SPLITS, default='train',
                        help='which dataloader\'s dataset (default train)')
    parser.add_argument('--num', type=int, default=20,
                        help='how many samples to draw (default 20)')
    parser.add_argument(
        '--stats-num', type=int, default=None,
        help='count classes over the first N samples only '
        '(default: the whole split)')
    add_options(
        parser, 'out', 'cfg-options',
        out=dict(help='output folder (default work_dirs/'
                 'browse_dataset/<config name>/<split>)'),
        cfg_options=dict(help='override config keys, e.g. '
                         'train_dataloader.dataset.data_root=data/toy'))
    return parser.parse_args(argv)


def build_dataset(cfg: Config, split: str):
    """Build the dataset of ``<split>_dataloader``, never generating."""
    key = f'{split}_dataloader'
    if cfg.get(key) is None:
        raise KeyError(f'the config has no {key}; choose another --split '
                       f'(one of {SPLITS})')
    dataset_cfg = copy.deepcopy(cfg[key]['dataset'])
    _never_generate(dataset_cfg)
    return DATASETS.build(dataset_cfg)


def _never_generate(dataset_cfg: Dict) -> None:
    """Read every SynthDataset (wrapped ones too) as it is: never generate,
    and show the finished samples of a partial cache."""
    for cfg in iter_dataset_cfgs(dataset_cfg, ['SynthDataset']):
        cfg['generate'] = False
        cfg['allow_partial'] = True


def load_label(info: Dict) -> np.ndarray:
    """The label map as training sees it (reduce_zero_label, label_map)."""
    if not info.get('seg_map_path'):
        raise ValueError(f'{info.get("img_path")} has no seg_map_path; '
                         'browse a split that has labels')
    results = LoadAnnotations()(
        dict(seg_map_path=info['seg_map_path'],
             reduce_zero_label=info.get('reduce_zero_label', False),
             label_map=info.get('label_map'), seg_fields=[]))
    return results['gt_seg_map']


def load_picture_inputs(info: Dict) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """RGB image and confidence in [0, 1] (None when there is no file)."""
    with Image.open(info['img_path']) as image:
        rgb = np.asarray(image.convert('RGB'))
    path = info.get('confidence_path')
    if not path or not Path(path).is_file():
        return rgb, None
    with Image.open(path) as image:
        confidence = np.asarray(image.convert('L'), np.float32) / 255
    return rgb, confidence


def browse(dataset, out_dir: Path, num: int, stats_num: Optional[int],
           title: str) -> ClassStats:
    """Write the sample pictures and class statistics into ``out_dir``."""
    classes = dataset.metainfo['classes']
    palette = dataset.metainfo['palette']
    ignore_index = getattr(dataset, 'ignore_index', 255)
    stats = ClassStats(classes, ignore_index)
    num = min(num, len(dataset))
    stats_num = len(dataset) if stats_num is None else min(
        stats_num, len(dataset))
    (out_dir / 'samples').mkdir(parents=True, exist_ok=True)
    for index in progress_bar(range(max(num, stats_num)), desc='browsing'):
        info = dataset.get_data_info(index)
        label = load_label(info)
        if index < stats_num:
            stats.update(label, info['seg_map_path'])
        if index < num:
            image, confidence = load_picture_inputs(info)
            stem = Path(info['img_path']).stem
            fig = draw_sample(image, label, classes, palette, confidence,
                              ignore_index, title=f'#{index} {stem}')
            fig.savefig(out_dir / 'samples' / f'{index:05d}_{stem}.png',
                        dpi=100)
    stats.save(out_dir / 'class_stats.csv', out_dir / 'class_stats.json')
    plot_class_stats(stats, palette,
                     title).savefig(out_dir / 'class_stats.png', dpi=100)
    return stats


def main(argv: Optional[Sequence[str]] = None) -> int:
    register_all_modules(init_default_scope=False)
    args = parse_args(argv)
    if args.num < 0 or (args.stats_num is not None and args.stats_num < 0):
        print(
            f'error: --num ({args.num}) and --stats-num ({args.stats_num}) '
            'must be >= 0', file=sys.stderr)
        return 1
    try:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        init_default_scope(cfg.get('default_scope', 'mmdd'))
        dataset = build_dataset(cfg, args.split)
        name = Path(args.config).stem
        out_dir = args.out or Path('work_dirs', 'browse_dataset', name,
                                   args.split)
        stats = browse(dataset, out_dir, args.num, args.stats_num,
                       f'{name} ({args.split}): {len(dataset)} samples')
    except (OSError, KeyError, ValueError, CacheMismatchError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    drawn = min(args.num, len(dataset))
    print(f'{drawn} sample pictures in {out_dir / "samples"}')
    print(f'class statistics of {stats.num_images} samples (uncertain '
          f'{100 * stats.ignored_pixels / max(stats.num_pixels, 1):.2f}% of '
          f'pixels): {out_dir}/class_stats.{{png,csv,json}}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
