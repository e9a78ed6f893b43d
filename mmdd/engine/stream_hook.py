"""SynthStreamHook: generation and progress while a streaming SynthDataset
trains (``custom_hooks = [dict(type='SynthStreamHook')]``)."""
import logging
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmdd.datasets.stream_sampler import StreamSampler
from mmdd.registry import HOOKS


def _stream_dataset(dataset):
    """The streaming SynthDataset of a train dataloader (through dataset
    wrappers), or None."""
    while dataset is not None:
        if getattr(dataset, 'stream', None) is not None:
            return dataset
        dataset = getattr(dataset, 'dataset', None)
    return None


@HOOKS.register_module()
class SynthStreamHook(Hook):
    """Interleaved mode: every ``stream.interval`` iterations each rank
    generates its next ``stream.blocks`` blocks on its training device.
    Both modes: every ``log_interval`` iterations a progress line says how
    many samples exist and how many training has seen; after training the
    cache is completed and unlocked.

    Args:
        log_interval: iterations between progress lines.
    """
    priority = 'LOW'

    def __init__(self, log_interval: int = 50) -> None:
        if log_interval < 1:
            raise ValueError(f'log_interval={log_interval}; it must be >= 1')
        self.log_interval = log_interval
        self.stream = None
        self.sampler = None

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        dataset = _stream_dataset(loader.dataset)
        if dataset is None:
            raise ValueError(
                'SynthStreamHook needs a SynthDataset built with stream=... '
                'in train_dataloader; set its stream, or remove the hook '
                'from custom_hooks.')
        sampler = loader.sampler
        sampler = getattr(loader.batch_sampler, 'sampler', sampler)
        if not isinstance(sampler, StreamSampler):
            raise TypeError(
                f'A streaming SynthDataset needs StreamSampler, which draws '
                f'only finished samples; train_dataloader has '
                f'{type(sampler).__name__}: set train_dataloader.sampler='
                "dict(type='StreamSampler', shuffle=True).")
        self.stream, self.sampler = dataset.stream, sampler

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        iteration = runner.iter + 1
        config = self.stream.config
        if config.mode == 'interleaved' and iteration % config.interval == 0:
            self.stream.generate(config.blocks)
        if iteration % self.log_interval == 0:
            self._log(runner, iteration)

    def after_train(self, runner) -> None:
        self._log(runner, runner.iter)
        self.stream.finish()
        if runner.rank == 0:
            print_log(
                f'stream: the cache is complete, {self.stream.count} '
                'samples, every file checked '
                f'(verify={self.stream.dataset.verify!r}).', logger='current')

    def _log(self, runner, iteration: int) -> None:
        loader = runner.train_dataloader
        seen = iteration * loader.batch_size * runner.world_size
        progress = self.stream.progress()
        message = (f'stream: {progress["finished"]}/{progress["total"]} '
                   f'samples exist; training has seen {seen} (drawing from '
                   f'{self.sampler.drawn_from})')
        print_log(message, logger='current', level=logging.INFO)
