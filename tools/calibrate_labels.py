"""Calibrate a config's label read-out on a few labelled real images.

    python tools/calibrate_labels.py CONFIG --images DIR --masks DIR \\
        [--image-list FILE] [--num-images 32] [--captions FILE] \\
        [--out calibrated_generation.py]
    python tools/calibrate_labels.py CONFIG --dataset-config DATASET_CONFIG

Reads the config's SynthDataset (model, classes, generation settings;
no mmseg model is built), records each image once per timestep with the
config's generator and searches the label read-out (docs/calibration.md).
Writes ``--out`` (``generation=dict(...)``, to include with ``_base_``),
``--out``'s name with ``.md`` (the table, also printed) and ``.png``
(image | mask | the config's labels | calibrated labels, test images).
"""
import argparse
import os.path as osp
import time
from pathlib import Path

import numpy as np
from mmengine.config import DictAction


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='an mmdd config with a SynthDataset')
    parser.add_argument('--images', help='folder of real images')
    parser.add_argument(
        '--masks', help='folder of PNG label maps (class '
        'indices, 255 ignored), one per image, same names')
    parser.add_argument(
        '--image-list', help='ids to read, one a line (VOC\'s '
        'ImageSets/Segmentation/train.txt); default: every image, each '
        'with its mask')
    parser.add_argument(
        '--dataset-config', help='an mmseg dataset config instead of the '
        'two folders: its --split loader names the folders')
    parser.add_argument('--split', default='train_dataloader',
                        help='the loader of --dataset-config to read')
    parser.add_argument('--num-images', type=int, default=32)
    parser.add_argument(
        '--captions', help='captions by image name, as '
        'tools/prompts/caption_images.py writes them (what '
        "mmdd.prompts.read_captions reads); default: each image's class "
        'names')
    parser.add_argument('--out', default='calibrated_generation.py')
    parser.add_argument('--steps', type=int, default=4,
                        help='timesteps read per image')
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--batch-size', type=int, default=4,
                        help='images per denoiser pass')
    parser.add_argument('--device', default=None,
                        help='default: the GPU if there is one, else cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='key=value overrides of CONFIG')
    return parser.parse_args()


def synth_dataset_cfg(cfg):
    """The first SynthDataset of the config's training data."""
    from mmdd.datasets.synth_type import is_synth_dataset
    from mmdd.utils.dataset_cfgs import iter_loader_dataset_cfgs
    for dataset_cfg in iter_loader_dataset_cfgs(cfg,
                                                loaders=['train_dataloader']):
        if is_synth_dataset(dataset_cfg):
            return dataset_cfg
    raise SystemExit(f'{cfg.filename} trains on no SynthDataset: give the '
                     'config whose generator you want to calibrate')


def classes_and_palette(dataset_cfg):
    """The dataset's class names and palette (its config's metainfo, else
    its class's METAINFO)."""
    from mmdd.registry import DATASETS
    metainfo = dict(DATASETS.get(dataset_cfg['type']).METAINFO)
    metainfo.update(dataset_cfg.get('metainfo') or {})
    if 'classes' not in metainfo:
        raise SystemExit(f'{dataset_cfg["type"]} names no classes: set '
                         'metainfo=dict(classes=...) in its config')
    classes = list(metainfo['classes'])
    palette = metainfo.get('palette') or np.random.default_rng(0).integers(
        0, 255, (len(classes), 3)).tolist()
    return classes, palette


def dataset_folders(path: str, split: str):
    """(images, masks, ids, image suffix, mask suffix) of an mmseg
    dataset config's ``split`` loader."""
    from mmengine.config import Config

    from mmdd.utils.dataset_cfgs import iter_dataset_cfgs
    cfg = Config.fromfile(path)
    if split not in cfg:
        raise SystemExit(f'{path} has no {split}: pass --split')
    dataset = next(iter(iter_dataset_cfgs(cfg[split]['dataset'])))
    while dataset.get('dataset') is not None:  # wrappers
        dataset = dataset['dataset']
    if dataset.get('reduce_zero_label'):
        raise SystemExit(f'{path}: reduce_zero_label datasets label no '
                         'background; calibrate from a folder instead')
    root = dataset.get('data_root', '')
    prefix = dataset.get('data_prefix', {})
    images = osp.join(root, prefix.get('img_path', ''))
    masks = osp.join(root, prefix.get('seg_map_path', ''))
    ids = None
    if dataset.get('ann_file'):
        ann = osp.join(root, dataset['ann_file'])
        ids = [line.strip() for line in open(ann) if line.strip()]
    return (images, masks, ids, dataset.get('img_suffix'),
            dataset.get('seg_map_suffix', '.png'))


def picture(result, palette, ignore_index: int) -> np.ndarray:
    from mmdd.visualization import label_strip, label_strip_pitch, titled
    rows = [
        label_strip(e.image, [e.mask, e.config_label, e.calibrated_label],
                    palette, ignore_index) for e in result.examples
    ]
    pitch = label_strip_pitch(result.examples[0].image.shape[1])
    names = ('image', 'mask', 'config labels', 'calibrated')
    return titled(
        np.concatenate(rows), [(i * pitch, n) for i, n in enumerate(names)])


def main() -> None:
    args = parse_args()
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from PIL import Image

    from mmdd.diffusion import GenerationConfig, load_pipeline
    from mmdd.diffusion.calibration import (calibrate, read_labelled_folder,
                                            result_table, settings_text)
    from mmdd.prompts import read_captions
    from mmdd.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdd'))
    dataset_cfg = synth_dataset_cfg(cfg)
    classes, palette = classes_and_palette(dataset_cfg)
    config = GenerationConfig(**dict(dataset_cfg.get('generation') or {}))
    image_suffix = None
    ids = ([line.strip() for line in open(args.image_list)
            if line.strip()] if args.image_list else None)
    mask_suffix = '.png'
    if args.dataset_config:
        (args.images, args.masks, ids, image_suffix,
         mask_suffix) = dataset_folders(args.dataset_config, args.split)
    if not (args.images and args.masks):
        raise SystemExit('give --images and --masks (or --dataset-config)')
    try:
        pairs = read_labelled_folder(args.images, args.masks, args.num_images,
                                     len(classes), ids, image_suffix,
                                     mask_suffix, config.ignore_index)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f'calibrate_labels: {error}')
    captions = None
    if args.captions:
        known = read_captions(args.captions)
        lacking = [p.name for p in pairs if p.name not in known]
        if lacking:
            raise SystemExit(f'{args.captions} has no caption for '
                             f'{lacking[:5]}: caption every image or none')
        captions = [known[p.name][0] for p in pairs]  # the first one
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    pipeline = load_pipeline(dataset_cfg['model'],
                             dataset_cfg.get('torch_dtype', 'fp16'), device,
                             dataset_cfg.get('scheduler'))
    start = time.perf_counter()
    result = calibrate(pipeline, classes, [p.image for p in pairs],
                       [p.mask for p in pairs], captions, config,
                       steps=args.steps, rounds=args.rounds,
                       batch_size=args.batch_size, progress=True)
    seconds = time.perf_counter() - start
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    source = f'{len(pairs)} images of {args.images}'
    out.write_text(settings_text(result, source, out.name))
    table = (f'# Calibration of {args.config}\n\n{source}, {seconds:.0f} s '
             f'on {device}.\n\n' + result_table(result))
    out.with_suffix('.md').write_text(table)
    if result.examples:
        Image.fromarray(picture(result, palette, config.ignore_index)).save(
            out.with_suffix('.png'))
    print(table)
    print(f'Wrote {out}, {out.with_suffix(".md")} and '
          f'{out.with_suffix(".png")}. Include the settings with\n'
          f"  _base_ = [..., '{out}']\n"
          '  train_dataloader = dict(dataset=dict(generation='
          '_base_.generation))')


if __name__ == '__main__':
    main()
