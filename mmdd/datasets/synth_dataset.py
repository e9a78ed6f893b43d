"""SynthDataset: Stable Diffusion images with attention labels, as an mmseg
dataset that generates what its cache lacks before training starts.
"""
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmengine.utils import ProgressBar
from mmseg.datasets import BaseSegDataset

from mmdd.registry import DATASETS
from .synth_cache import VERIFY_MODES, SynthCache, sha256_of


@DATASETS.register_module()
class SynthDataset(BaseSegDataset):
    """Generate-or-read synthetic segmentation data (Dataset Diffusion).

    Sample ``i`` uses prompt ``i % len(prompts)`` of ``prompts_file`` (JSONL
    from ``tools/prompts/``) and seed ``seed + i``. Samples are generated in
    fixed blocks of ``batch_size`` consecutive indices, block ``k`` by rank
    ``k % world_size``, so every rank knows its share without talking to
    the others. At ``full_init`` each rank checks its blocks in the cache,
    regenerates every block with a missing or damaged sample on its own
    device, and waits at a barrier; then the dataset lists the cache like
    any ``BaseSegDataset`` and the usual mmseg pipeline applies.

    Why whole blocks: a batched denoising pass rounds differently from a
    smaller one, and attention labels amplify such differences. Redoing the
    whole block makes a resumed run write the very bytes an uninterrupted
    one would, and makes the data the same whatever the number of GPUs.

    Args:
        cache_dir: the cache folder (see :mod:`mmdd.datasets.synth_cache`).
        prompts_file: JSONL prompts (``id``, ``caption``, ``classes``).
        model: a diffusers SD 1.x/2.x or SDXL hub id or local folder.
        num_samples: how many samples; default one per prompt.
        seed: seed of sample 0 (the paper's 1111).
        generation: :class:`mmdd.diffusion.GenerationConfig` fields (steps,
            guidance, thresholds, tau, ...).
        batch_size: samples per denoising batch (and per block, see above).
        torch_dtype: ``fp16``, ``bf16`` or ``fp32``.
        scheduler: a diffusers scheduler class name; None keeps the model's.
        device: where to generate; default this rank's GPU, else the CPU.
        generate: False only reads the cache and fails if it is incomplete.
        verify: ``size`` (byte sizes, fast) or ``full`` (decode every file).
        mask_folder: the cache folder labels are read from: ``mask`` (the
            attention labels) or, for a self-training round, the folder that
            ``tools/pseudo_label.py`` wrote.
        metainfo: ``classes`` (index 0 the background; the names are written
            into the prompts) and ``palette``.
    """

    def __init__(self,
                 cache_dir: str,
                 prompts_file: str,
                 model: str,
                 num_samples: Optional[int] = None,
                 seed: int = 1111,
                 generation: Optional[Dict] = None,
                 batch_size: int = 4,
                 torch_dtype: str = 'fp16',
                 scheduler: Optional[str] = None,
                 device: Optional[str] = None,
                 generate: bool = True,
                 verify: str = 'size',
                 mask_folder: str = 'mask',
                 **kwargs) -> None:
        if verify not in VERIFY_MODES:
            raise ValueError(f'verify={verify!r}; use one of {VERIFY_MODES}')
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.cache = SynthCache(cache_dir)
        self.prompts_file = prompts_file
        self.model = model
        self.num_samples = num_samples
        self.seed = seed
        self.generation = dict(generation or {})
        self.batch_size = batch_size
        self.torch_dtype = torch_dtype
        self.scheduler = scheduler
        self.device = device
        self.generate = generate
        self.verify = verify
        self.mask_folder = mask_folder
        kwargs.setdefault('img_suffix', '.jpg')
        kwargs.setdefault('seg_map_suffix', '.png')
        super().__init__(**kwargs)

    # -- what to generate -------------------------------------------------
    def _prompts(self):
        from mmdd.prompts.records import read_prompts
        if not osp.isfile(self.prompts_file):
            raise FileNotFoundError(
                f'prompts_file {self.prompts_file!r} does not exist; build '
                'one with tools/prompts/build_voc_prompts.py or '
                'build_coco_prompts.py (docs/prompts.md).')
        return read_prompts(self.prompts_file,
                            list(self.metainfo['classes']))

    def _count(self, prompts: Sequence) -> int:
        return len(prompts) if self.num_samples is None else self.num_samples

    def settings(self) -> Dict:
        """What decides the samples' content; stored in the manifest."""
        from mmdd.diffusion import GenerationConfig
        generation = vars(GenerationConfig(**self.generation))
        generation.pop('progress_bar')
        return dict(
            model=self.model, scheduler=self.scheduler,
            torch_dtype=self.torch_dtype, seed=self.seed,
            batch_size=self.batch_size,
            prompts_sha256=sha256_of(self.prompts_file),
            classes=list(self.metainfo['classes']), generation=generation)

    # -- mmengine BaseDataset hooks ---------------------------------------
    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if self.generate:
            self._generate_missing()
        super().full_init()

    def load_data_list(self) -> List[dict]:
        prompts = self._prompts()
        count = self._count(prompts)
        missing = [i for i in range(count)
                   if self.cache.problem(self.cache.sample_id(i)) is not None]
        if missing:
            raise FileNotFoundError(
                f'{len(missing)} of {count} samples are missing from '
                f'{self.cache.root} (first: {self.cache.sample_id(missing[0])}).'
                ' Generate them with tools/generate.py CONFIG, or set '
                'generate=True in the dataset config.')
        data_list = []
        for index in range(count):
            sample_id = self.cache.sample_id(index)
            seg_map_path = self.cache.root / self.mask_folder / \
                f'{sample_id}.png'
            if not seg_map_path.is_file():
                raise FileNotFoundError(
                    f'{seg_map_path} is missing: write the {self.mask_folder}'
                    ' labels with tools/pseudo_label.py CONFIG CHECKPOINT '
                    f'--mask-folder {self.mask_folder}, or use '
                    "mask_folder='mask'.")
            data_list.append(dict(
                img_path=str(self.cache.path('image', sample_id)),
                seg_map_path=str(seg_map_path),
                confidence_path=str(self.cache.path('confidence', sample_id)),
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[]))
        return data_list

    # -- generation --------------------------------------------------------
    def _generate_missing(self) -> None:
        rank, world_size = get_dist_info()
        prompts = self._prompts()
        count = self._count(prompts)
        if rank == 0:
            self.cache.ensure_manifest(self.settings())
            removed = self.cache.remove_temporaries()
            if removed:
                print_log(f'Removed {removed} temporary files of an '
                          'interrupted run.', logger='current')
        barrier()
        if rank != 0:
            self.cache.ensure_manifest(self.settings())
        blocks = [range(first, min(first + self.batch_size, count))
                  for first in range(0, count, self.batch_size)]
        mine = blocks[rank::world_size]
        todo = [block for block in mine
                if self.cache.unfinished(block, self.verify)]
        print_log(f'[rank {rank}/{world_size}] {count} samples in '
                  f'{self.cache.root}: {sum(map(len, todo))} of this rank\'s '
                  f'{sum(map(len, mine))} to generate.', logger='current')
        if todo:
            self._run_generator(prompts, todo, rank)
        barrier()

    def _run_generator(self, prompts: Sequence, todo: List[range],
                       rank: int) -> None:
        from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                                    SampleRequest, load_pipeline)
        device = self.device or (f'cuda:{torch.cuda.current_device()}'
                                 if torch.cuda.is_available() else 'cpu')
        classes = list(self.metainfo['classes'])
        generator = LabelledImageGenerator(
            load_pipeline(self.model, self.torch_dtype, device,
                          self.scheduler), classes,
            GenerationConfig(**self.generation))
        palette = self.metainfo['palette']
        total = sum(map(len, todo))
        bar = ProgressBar(total, file=sys.stdout)
        start = time.time()
        done = 0
        log_every = max(self.batch_size, total // 20)
        for indices in todo:
            records = [prompts[i % len(prompts)] for i in indices]
            requests = [SampleRequest(r.caption, r.class_ids(classes),
                                      self.seed + i)
                        for r, i in zip(records, indices)]
            for index, record, sample in zip(
                    indices, records, generator.generate(requests)):
                self.cache.write_sample(
                    self.cache.sample_id(index), sample.image, sample.label,
                    sample.confidence, palette,
                    dict(prompt=sample.prompt, prompt_id=record.id,
                         caption=record.caption, classes=record.classes,
                         seed=sample.seed, rank=rank))
                bar.update()
            done += len(indices)
            if done % log_every < len(indices) or done == total:
                print_log(f'\n[rank {rank}] {done}/{total} written, last '
                          f'sample {self.cache.sample_id(indices[-1])}, '
                          f'{done / (time.time() - start):.2f} samples/s',
                          logger='current')
        sys.stdout.write('\n')
