"""The quick-start demo (``make demo``): Dataset Diffusion end to end on a
CPU, offline, in a few minutes, on the shapes world.

1. writes the shapes world's real test split (exact labels) and generation
   prompts (captions of fresh scenes);
2. SynthDataset generates a synthetic dataset with attention-derived labels
   from the *trained* shapes text-to-image model that ships with mmdd
   (``mmdd/shapes/pretrained/shapes-t2i``, loaded with diffusers'
   ``from_pretrained`` like a Stable Diffusion checkpoint); a rerun reads
   the cache;
3. a DeepLabV3-R18 trains on the synthetic data only, with the
   uncertainty-aware loss, in mmengine's Runner;
4. it is evaluated on the real test split, and pictures are written:
   synthetic samples (image | attention label | colour oracle), the
   confusion matrix with per-class IoU, predictions beside ground truth.

A real run needs Stable Diffusion weights and a GPU:
``python tools/train.py configs/dd_voc.py``.
"""
import argparse
import contextlib
import os.path as osp
import time
from typing import Dict, Iterator, Optional

import numpy as np
import torch
from mmengine.config import Config
from PIL import Image

from mmdd.datasets import SynthCache, write_shapes_split
from mmdd.diffusion.labelling.confusion import ConfusionCounter
from mmdd.shapes import DEFAULT_MODEL
from mmdd.shapes.prompts import write_shapes_prompts
from mmdd.shapes.world import SHAPES_CLASSES, SHAPES_PALETTE, oracle_label
from mmdd.utils import register_all_modules
from mmdd.utils.cli import add_options, build_runner, set_max_iters
from mmdd.visualization import label_strip, plot_confusion

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(ROOT, 'configs', 'shapes',
                       'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py')


def demo_config(work_dir: str, model: str, num_synthetic: int, num_test: int,
                iters: int) -> Config:
    """The shapes DD config pointed at the demo's own files."""
    data_root = write_shapes_split(
        osp.join(work_dir, 'data'), 'test', num_test)
    write_shapes_split(data_root, 'val', 10)
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.work_dir = work_dir
    synth = cfg.train_dataloader.dataset
    synth.model = model
    synth.prompts_file = str(
        write_shapes_prompts(
            osp.join(work_dir, 'prompts.jsonl'), num_synthetic))
    synth.cache_dir = osp.join(work_dir, 'synth')
    synth.num_samples = num_synthetic
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = data_root
    set_max_iters(cfg, iters)
    cfg.default_hooks.logger.interval = 25
    # Paint some test predictions beside their ground truth.
    cfg.default_hooks.visualization.draw = True
    cfg.default_hooks.visualization.interval = max(1, num_test // 8)
    return cfg


def synthetic_samples_picture(cache_dir: str, count: int, path: str) -> str:
    """Rows of image | attention label | colour oracle of the image."""
    cache, rows = SynthCache(cache_dir), []
    for index in range(count):
        sample_id = cache.sample_id(index)
        image = np.asarray(
            Image.open(cache.path('image', sample_id)).convert('RGB'))
        label = np.asarray(Image.open(cache.path('mask', sample_id)))
        rows.append(
            label_strip(image, [label, oracle_label(image)], SHAPES_PALETTE))
    Image.fromarray(np.concatenate(rows)).save(path)
    return path


class StageTimes:
    """Wall-clock seconds of each stage, in order, for the closing lines."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.time()
        try:
            yield
        finally:
            self.seconds[name] = time.time() - start

    def summary(self, install_seconds: Optional[float] = None) -> str:
        seconds = dict(self.seconds)
        if install_seconds is not None:
            seconds = {'install': install_seconds, **seconds}
        parts = [f'{name} {value:.0f} s' for name, value in seconds.items()]
        return (f'Stage times: {", ".join(parts)} '
                f'(total {sum(seconds.values()):.0f} s).')


@torch.no_grad()
def test_confusion(runner) -> np.ndarray:
    """The trained model's confusion matrix on the test split."""
    counter = ConfusionCounter(len(SHAPES_CLASSES))
    runner.model.eval()
    for data in runner.test_dataloader:
        for sample in runner.model.test_step(data):
            counter.add(
                sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8),
                sample.gt_sem_seg.data[0].cpu().numpy())
    return counter.matrix


def main() -> None:
    register_all_modules(init_default_scope=False)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(
        parser, 'work-dir', 'model', 'synthetic', 'test', 'iters',
        work_dir='work_dirs/demo_shapes', model=dict(
            default=DEFAULT_MODEL, help='diffusers folder or hub id '
            'of the t2i model (default: the shipped shapes-t2i)'))
    parser.add_argument(
        '--install-seconds', type=float,
        help='how long installing took (make demo passes it), listed with '
        'the stage times')
    args = parser.parse_args()

    times = StageTimes()
    with times.stage('setup'):  # real test scenes, prompts, the runner
        cfg = demo_config(args.work_dir, args.model, args.synthetic, args.test,
                          args.iters)
        runner = build_runner(cfg)
    with times.stage('generation'):
        # What runner.train() does first: build the train set, which
        # generates the samples (or reads them from the cache).
        runner.train_loop
    with times.stage('training'):
        runner.train()
    with times.stage('test'):
        metrics = runner.test()
    with times.stage('pictures'):
        cache_dir = cfg.train_dataloader.dataset.cache_dir
        samples = synthetic_samples_picture(
            cache_dir, min(8, args.synthetic),
            osp.join(args.work_dir, 'synthetic_samples.png'))
        confusion = osp.join(args.work_dir, 'confusion.png')
        plot_confusion(
            test_confusion(runner), SHAPES_CLASSES,
            title='DeepLabV3-R18 trained on mmdd synthetic data, '
            'real test split').savefig(confusion, dpi=100)
    print(f'\nDemo finished in {sum(times.seconds.values()):.0f} s: mIoU '
          f'{metrics["mIoU"]:.1f} on {args.test} real test scenes, trained '
          f'only on {args.synthetic} generated ones.'
          f'\nSynthetic samples (image | attention label | colour oracle): '
          f'{samples}'
          f'\nConfusion matrix and per-class IoU: {confusion}'
          f'\nGenerated data: {cache_dir}/{{image,mask,confidence,meta}}/'
          f'\nPredictions (ground truth | prediction): {runner.log_dir}/'
          'vis_data/vis_image/'
          f'\nCheckpoints and logs: {args.work_dir}'
          f'\n{times.summary(args.install_seconds)}')


if __name__ == '__main__':
    main()
