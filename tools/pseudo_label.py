"""Self-training, step 2: relabel the synthetic images with a trained model.

    python tools/train.py configs/dd/dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py
    python tools/pseudo_label.py configs/dd/dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py \\
        work_dirs/dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512/iter_20000.pth
    python tools/train.py configs/dd/dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512_selftrain.py

Writes ``<cache>/<mask-folder>/<id>.png`` (palette PNGs, atomic writes) for
every sample of the config's SynthDataset: the model's prediction, 255 where
its top softmax probability is below ``--min-prob``. Existing files are kept,
so an interrupted run resumes.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from mmdd.registry import DATASETS
from mmdd.utils import register_all_modules
from mmdd.utils.cli import add_runner_args, load_config


def main() -> None:
    register_all_modules(init_default_scope=False)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the round-1 config (a SynthDataset)')
    parser.add_argument('checkpoint', help='the round-1 checkpoint')
    parser.add_argument('--mask-folder', default='mask_selftrain')
    parser.add_argument('--min-prob', type=float, default=0.0,
                        help='below this top probability a pixel gets 255')
    parser.add_argument('--device', default='cuda:0'
                        if torch.cuda.is_available() else 'cpu')
    add_runner_args(parser)
    args = parser.parse_args()
    if args.mask_folder == 'mask':
        raise SystemExit('--mask-folder mask would overwrite the attention '
                         'labels; choose another folder name.')
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmdd'))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(generate=False, mask_folder='mask')
    dataset = DATASETS.build(dataset_cfg)

    from mmseg.apis import inference_model, init_model
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    model = init_model(cfg, args.checkpoint, device=args.device)
    palette = dataset.metainfo['palette']
    bar = ProgressBar(len(dataset), file=sys.stdout)
    written = 0
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        sample_id = Path(info['img_path']).stem
        target = dataset.cache.root / args.mask_folder / f'{sample_id}.png'
        if not target.exists():
            result = inference_model(model, info['img_path'])
            label = result.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
            if args.min_prob > 0:
                prob = result.seg_logits.data.softmax(0).max(0).values
                label[prob.cpu().numpy() < args.min_prob] = 255
            dataset.cache.write_label(args.mask_folder, sample_id, label,
                                      palette)
            written += 1
        bar.update()
    print(f'\n{written} labels written to {target.parent} '
          f'({len(dataset) - written} already there).')


if __name__ == '__main__':
    main()
