"""Self-training, step 2: relabel the synthetic images with a trained model.

    CFG=dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512
    python tools/train.py configs/dd/$CFG.py
    python tools/pseudo_label.py configs/dd/$CFG.py \\
        work_dirs/$CFG/iter_20000.pth
    python tools/train.py configs/dd/${CFG}_selftrain.py

Writes ``<cache>/<mask-folder>/<id>.png`` (palette PNGs, atomic writes) for
every sample of each SynthDataset of the config's training data (also inside
Concat/Repeat wrappers): the model's prediction, 255 where its top softmax
probability is below ``--min-prob``. Existing files are kept, so an
interrupted run resumes.
"""
import argparse
from pathlib import Path
from typing import List

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdd.datasets.synth_type import is_synth_dataset
from mmdd.registry import DATASETS
from mmdd.utils import register_all_modules
from mmdd.utils.cli import add_runner_args, load_config
from mmdd.utils.dataset_cfgs import iter_dataset_cfgs
from mmdd.utils.progress import progress_bar


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the round-1 config (a SynthDataset)')
    parser.add_argument('checkpoint', help='the round-1 checkpoint')
    parser.add_argument('--mask-folder', default='mask_selftrain')
    parser.add_argument('--min-prob', type=float, default=0.0,
                        help='below this top probability a pixel gets 255')
    parser.add_argument(
        '--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    add_runner_args(parser)
    return parser.parse_args()


def synth_datasets(cfg: Config) -> List:
    """Every SynthDataset of the training data, reading its attention
    labels from the cache (never generating); each must hold samples."""
    found = [
        d for d in iter_dataset_cfgs(cfg.train_dataloader.dataset)
        if is_synth_dataset(d)
    ]  # SynthVOCDataset and other subclasses
    if not found:
        raise SystemExit('error: train_dataloader.dataset holds no '
                         'SynthDataset (also looked inside dataset '
                         'wrappers); pass the round-1 config')
    datasets = []
    for dataset_cfg in found:
        # One process reads it once: no serialisation.
        dataset_cfg.update(generate=False, mask_folder='mask',
                           serialize_data=False)
        try:  # an unfinished cache is refused, naming what is missing
            datasets.append(DATASETS.build(dataset_cfg))
        except (FileNotFoundError, ValueError) as error:
            raise SystemExit(f'error: {error}') from error
    return datasets


def relabel(dataset, model, mask_folder: str, min_prob: float) -> int:
    """Write the model's labels of every sample that has none yet; returns
    how many were written."""
    from mmseg.apis import inference_model
    palette = dataset.metainfo['palette']
    written = 0
    for index in progress_bar(range(len(dataset)), desc='pseudo labels'):
        info = dataset.get_data_info(index)
        sample_id = Path(info['img_path']).stem
        if (dataset.cache.root / mask_folder / f'{sample_id}.png').exists():
            continue
        result = inference_model(model, info['img_path'])
        label = result.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
        if min_prob > 0:
            prob = result.seg_logits.data.softmax(0).max(0).values
            label[prob.cpu().numpy() < min_prob] = 255
        dataset.cache.write_label(mask_folder, sample_id, label, palette)
        written += 1
    return written


def main() -> None:
    args = parse_args()
    if args.mask_folder == 'mask':
        raise SystemExit('--mask-folder mask would overwrite the attention '
                         'labels; choose another folder name.')
    register_all_modules(init_default_scope=False)
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmdd'))
    datasets = synth_datasets(cfg)

    from mmseg.apis import init_model
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    model = init_model(cfg, args.checkpoint, device=args.device)
    for dataset in datasets:
        written = relabel(dataset, model, args.mask_folder, args.min_prob)
        print(f'{written} labels written to '
              f'{dataset.cache.root / args.mask_folder} '
              f'({len(dataset) - written} already there).')


if __name__ == '__main__':
    main()
