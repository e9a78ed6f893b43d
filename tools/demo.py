"""The quick-start demo (``make demo``): the whole Dataset Diffusion path on
a CPU, offline, in a few minutes.

1. writes a *tiny random-weight* Stable Diffusion pipeline (diffusers
   layout, loaded back with ``from_pretrained`` like a real checkpoint) and
   a prompts file about squares and discs;
2. SynthDataset generates 16 images with attention-derived labels into a
   cache (rerun: read from the cache);
3. a DeepLabV3-R18 trains on them for 40 iterations with the
   uncertainty-aware loss, in mmengine's Runner;
4. it is evaluated on a real (procedural) toy val split, and pictures are
   written.

Random weights produce noise, not shapes, so the mIoU says nothing about
label quality: the demo shows that every part runs. A real run needs Stable
Diffusion weights and a GPU: ``python tools/train.py configs/dd_voc.py``.
"""
import argparse
import os.path as osp
import subprocess
import sys

from mmengine.config import Config

import mmdd  # noqa: F401  (registers mmseg's and mmdd's modules)
from mmdd.datasets import make_toy_dataset
from mmdd.diffusion import save_random_pipeline
from mmdd.diffusion.prompt_builder import PromptRecord, write_prompts
from mmdd.utils.cli import build_runner

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(ROOT, 'configs', 'demo',
                       'dd_deeplabv3_r18-d8_1xb4-40it_tinysd-64x64.py')
CAPTIONS = [
    ('a red square on a grey floor', ['square']),
    ('a blue disc next to a red box', ['square', 'disc']),
    ('a round blue plate', ['disc']),
    ('two shapes, a square and a circle', ['square', 'disc']),
]


def prepare_inputs(work_dir: str) -> dict:
    """The tiny SD folder, prompts and toy val data the demo config names."""
    sd_folder = osp.join(work_dir, 'tiny-sd')
    if not osp.isfile(osp.join(sd_folder, 'model_index.json')):
        save_random_pipeline(sd_folder, size='tiny', seed=0)
    prompts = osp.join(work_dir, 'prompts.jsonl')
    write_prompts([
        PromptRecord(id=f'demo{i}', caption=caption, classes=classes,
                     prompt=f"{caption}; {' '.join(classes)}")
        for i, (caption, classes) in enumerate(CAPTIONS)
    ], prompts)
    return dict(model=sd_folder, prompts_file=prompts,
                cache_dir=osp.join(work_dir, 'gen'),
                val_root=make_toy_dataset(osp.join(work_dir, 'toy_val')))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo_dd')
    parser.add_argument('--iters', type=int, default=40)
    args = parser.parse_args()

    inputs = prepare_inputs(args.work_dir)
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.work_dir = args.work_dir
    synth = cfg.train_dataloader.dataset
    synth.model = inputs['model']
    synth.prompts_file = inputs['prompts_file']
    synth.cache_dir = inputs['cache_dir']
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = inputs['val_root']
    cfg.train_cfg.max_iters = args.iters
    cfg.train_cfg.val_interval = args.iters
    cfg.param_scheduler[0].end = args.iters
    # Paint every test prediction beside its ground truth.
    cfg.default_hooks.visualization.draw = True
    cfg.default_hooks.visualization.interval = 1

    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    browse_dir = osp.join(args.work_dir, 'browse')
    subprocess.run([
        sys.executable, osp.join(ROOT, 'tools', 'browse_dataset.py'),
        DEMO_CONFIG, '--num', '8', '--out', browse_dir, '--cfg-options'
    ] + [f'train_dataloader.dataset.{k}={inputs[k]}'
         for k in ('model', 'prompts_file', 'cache_dir')], check=True)
    print(f'\nDemo finished: mIoU {metrics["mIoU"]:.1f} on the toy val split '
          '(random-weight SD: a smoke test of the path, not of label quality).'
          f'\nGenerated samples: {inputs["cache_dir"]}/{{image,mask,'
          'confidence}/'
          f'\nGenerated samples with label overlays and class statistics: '
          f'{browse_dir}/'
          f'\nPredictions (ground truth | prediction): {runner.log_dir}/'
          'vis_data/vis_image/'
          f'\nCheckpoints and logs: {args.work_dir}')


if __name__ == '__main__':
    main()
