"""What SynthDataset does before training: check its inputs, then fill the
cache's missing samples (one writer per folder, waits that survive hours).
"""
import itertools
import platform
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from mmengine.dist import get_dist_info
from mmengine.logging import MMLogger, print_log
from tqdm.contrib.logging import logging_redirect_tqdm

from mmdd.distributed.failures import announce_failure
from mmdd.distributed.heartbeat import (DEFAULT_TIMEOUT, Heartbeat, RankWatch,
                                        beat_interval, resume_advice)
from mmdd.distributed.long_barrier import long_barrier
from mmdd.utils.precision import warn_if_slow_on_cpu
from mmdd.utils.progress import progress_bar
from .cache_lock import CacheLock


def read_prompt_records(prompts_file: str, classes: Sequence[str]) -> list:
    """The prompt records, or a clear error for a missing or empty file."""
    from mmdd.prompts.records import read_prompts
    if not Path(prompts_file).is_file():
        raise FileNotFoundError(
            f'prompts_file {prompts_file!r} does not exist; build one with '
            'tools/prompts/build_voc_prompts.py or build_coco_prompts.py '
            '(docs/prompts.md).')
    records = read_prompts(prompts_file, list(classes))
    if not records:
        raise ValueError(
            f'prompts_file {prompts_file!r} holds no prompt (it is empty or '
            'blank); build it again with the tools in tools/prompts/ '
            '(docs/prompts.md) and check that they reported records.')
    return records


def check_model(model: str, generation: Dict) -> None:
    """For a local model folder: every part there, and an image size the
    model can make (JSON files only; nothing is loaded)."""
    from mmdd.diffusion.models.check import (check_image_size,
                                             check_model_folder,
                                             is_local_model)
    from mmdd.diffusion.models.names import resolve_model_name
    model = resolve_model_name(model)
    if is_local_model(model):
        check_model_folder(model)
        check_image_size(model, generation.get('height'),
                         generation.get('width'))


def provenance(device: str, torch_dtype: str) -> Dict:
    """Where a sample was made: what can change its bytes (see
    docs/dataset_prepare.md)."""
    import diffusers
    dev = torch.device(device)
    if dev.type == 'cuda':
        name = torch.cuda.get_device_name(dev)
    else:
        name = platform.processor() or platform.machine()
    return dict(device=f'{dev.type}: {name}', dtype=torch_dtype,
                torch=torch.__version__, diffusers=diffusers.__version__,
                threads=torch.get_num_threads())


# The n-th fill of each rank meets the n-th of the others (heartbeat scope).
_FILL_COUNT = itertools.count()


def fill_cache(dataset, prompts: Sequence, count: int) -> None:
    """Generate every block of ``dataset``'s cache that misses a sample.

    Rank 0 locks the folder, replaces a manifest nothing was made with or
    checks it, and removes the temporaries of dead writers; every rank then
    does its blocks; all wait for the slowest with :func:`long_barrier`.
    Every rank beats meanwhile, so that a rank killed outright is found
    within ``DEFAULT_TIMEOUT`` seconds whatever the launcher.
    """
    rank, world_size = get_dist_info()
    lock = CacheLock(dataset.cache.root, wait=dataset.wait_for_other_run)
    scope = f'fill/{next(_FILL_COUNT)}'
    watch = RankWatch([r for r in range(world_size) if r != rank],
                      DEFAULT_TIMEOUT,
                      advice=resume_advice(dataset.cache.root), scope=scope)
    try:
        with Heartbeat(beat_interval(DEFAULT_TIMEOUT), scope=scope):
            _fill_cache(dataset, prompts, count, rank, world_size, lock,
                        watch.check)
    except BaseException as err:
        announce_failure(f'rank {rank}: {type(err).__name__}: {err}')
        raise
    finally:
        lock.release()


def _fill_cache(dataset, prompts: Sequence, count: int, rank: int,
                world_size: int, lock: CacheLock,
                watch: Callable[[], None]) -> None:
    prepare_cache(dataset, rank, lock, watch)
    _generate_my_blocks(dataset, prompts, count, rank, world_size)
    long_barrier('waiting for every rank to finish generating',
                 dataset.barrier_timeout, watch=watch)


def prepare_cache(dataset, rank: int, lock: CacheLock,
                  watch: Optional[Callable[[], None]] = None) -> None:
    """Rank 0 locks the folder, checks or replaces its manifest and removes
    dead writers' temporaries; then the other ranks check the manifest
    (``watch``: see :func:`long_barrier`)."""
    cache = dataset.cache
    if rank == 0:
        settings, sources = dataset.settings()  # hashes the model once
    cache.prepare_folder()
    if rank == 0:
        lock.acquire()
        cache.ensure_manifest(settings, sources)
        removed = cache.remove_temporaries()
        if removed:
            print_log(
                f'Removed {removed} temporary files of an '
                'interrupted run.', logger='current')
    long_barrier('waiting for rank 0 to check the cache',
                 dataset.barrier_timeout, watch=watch)
    if rank != 0:
        cache.check_manifest(*dataset.settings())


def all_blocks(count: int, size: int) -> List[range]:
    """Samples ``0..count-1`` in fixed blocks of ``size`` consecutive
    indices (the last one may be shorter)."""
    return [
        range(first, min(first + size, count))
        for first in range(0, count, size)
    ]


def _generate_my_blocks(dataset, prompts: Sequence, count: int, rank: int,
                        world_size: int) -> None:
    mine = all_blocks(count, dataset.batch_size)[rank::world_size]
    todo = []
    for block in mine:
        missing = dataset.cache.unfinished(block, dataset.verify)
        if missing:
            todo.append((block, set(missing)))
    to_write = sum(len(missing) for _, missing in todo)
    print_log(
        f'[rank {rank}/{world_size}] {count} samples in '
        f'{dataset.cache.root}: {to_write} of this rank\'s '
        f'{sum(map(len, mine))} to generate.', logger='current')
    if todo:
        generate_blocks(dataset, prompts, todo, rank)


class BlockWriter:
    """The generator of a dataset, loaded once on this rank's device: it
    denoises whole blocks (so their bytes do not depend on what was
    missing) and writes only their missing samples."""

    def __init__(self, dataset, prompts: Sequence, rank: int) -> None:
        from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                                    load_pipeline)
        device = dataset.device or (f'cuda:{torch.cuda.current_device()}'
                                    if torch.cuda.is_available() else 'cpu')
        warn_if_slow_on_cpu(dataset.torch_dtype, device)
        self.dataset, self.prompts, self.rank = dataset, prompts, rank
        self.classes = list(dataset.metainfo['classes'])
        self.generator = LabelledImageGenerator(
            load_pipeline(dataset.model, dataset.torch_dtype, device,
                          dataset.scheduler), self.classes,
            GenerationConfig(**dataset.generation))
        self.made_with = provenance(device, dataset.torch_dtype)

    def write(self, block: range, missing: set) -> Iterator[int]:
        """Generate ``block``; yield each index written, once written."""
        from mmdd.diffusion import SampleRequest
        dataset, prompts = self.dataset, self.prompts
        records = [prompts[i % len(prompts)] for i in block]
        requests = [
            SampleRequest(r.caption, r.class_ids(self.classes),
                          dataset.seed + i) for r, i in zip(records, block)
        ]
        for index, record, sample in zip(block, records,
                                         self.generator.generate(requests)):
            if index not in missing:
                continue
            dataset.cache.write_sample(
                dataset.cache.sample_id(index), sample.image, sample.label,
                sample.confidence, dataset.metainfo['palette'],
                dict(prompt=sample.prompt, prompt_id=record.id,
                     caption=record.caption, classes=record.classes,
                     seed=sample.seed, rank=self.rank,
                     provenance=self.made_with))
            yield index


def generate_blocks(dataset, prompts: Sequence, todo: List[Tuple[range, set]],
                    rank: int) -> None:
    """Generate the missing samples of each block of ``todo`` with a
    progress bar and log lines."""
    writer = BlockWriter(dataset, prompts, rank)
    total = sum(len(missing) for _, missing in todo)
    bar = progress_bar(total=total, desc='generating')
    start, done = time.time(), 0
    log_every = max(dataset.batch_size, total // 20)
    # While rank 0 draws its bar, log records print above it.
    redirect = nullcontext() if bar.disable else logging_redirect_tqdm(
        [MMLogger.get_current_instance()])
    with redirect, bar:
        for block, missing in todo:
            for _ in writer.write(block, missing):
                bar.update()
                done += 1
            if done % log_every < len(missing) or done == total:
                print_log(
                    f'[rank {rank}] {done}/{total} written, last sample '
                    f'{dataset.cache.sample_id(block[-1])}, '
                    f'{done / (time.time() - start):.2f} samples/s',
                    logger='current')
