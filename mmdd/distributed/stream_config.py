"""How a streaming SynthDataset shares the GPUs with training.

``SynthDataset(stream=...)`` takes None (generate every sample first, the
default), True (interleaved with the default settings) or a dict of the
fields below. Two ways to share the devices, both in one job:

- ``mode='interleaved'``: every rank trains, and every ``interval``
  iterations generates ``blocks`` more of its blocks on its training device
  (:class:`mmdd.engine.SynthStreamHook`).
- ``mode='split'``: the last ``generate_ranks`` ranks only generate, the
  others only train, in a process group of their own
  (:mod:`mmdd.distributed.split_ranks`).

Training starts once ``start_after`` samples exist (at least the first
block); the sampler (:class:`mmdd.datasets.StreamSampler`) draws only from
finished samples and widens as the cache grows.
"""
from dataclasses import dataclass, fields
from typing import Optional, Union

from .heartbeat import DEFAULT_TIMEOUT

MODES = ('interleaved', 'split')


@dataclass(frozen=True)
class StreamConfig:
    """The ``stream`` argument of :class:`mmdd.datasets.SynthDataset`.

    Args:
        mode: ``'interleaved'`` or ``'split'`` (see the module docstring).
        generate_ranks: split mode: how many ranks only generate (the last
            ones, so that rank 0 trains and writes logs and checkpoints).
        interval: interleaved mode: training iterations between two
            generation steps.
        blocks: interleaved mode: blocks each rank generates per step.
        start_after: the first training iteration waits until this many
            samples exist (a warm-up; 1 waits for the first block only).
        heartbeat_timeout: split mode: seconds without a sign of life from
            a generating rank after which the training ranks stop, naming
            it (:mod:`mmdd.distributed.heartbeat`); long generation is not
            capped, a rank killed outright is found within this time.
    """
    mode: str = 'interleaved'
    generate_ranks: int = 0
    interval: int = 1
    blocks: int = 1
    start_after: int = 1
    heartbeat_timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f'stream mode={self.mode!r}; use one of {MODES}')
        if self.mode == 'split' and self.generate_ranks < 1:
            raise ValueError(
                f'stream mode=split with generate_ranks={self.generate_ranks}'
                ': set generate_ranks to the number of ranks that only '
                'generate (e.g. 6 of 8), or use mode=interleaved.')
        if self.mode == 'interleaved' and self.generate_ranks:
            raise ValueError(
                f'stream mode=interleaved with generate_ranks='
                f'{self.generate_ranks}: every rank generates in this mode; '
                "drop generate_ranks or use mode='split'.")
        for name in ('interval', 'blocks', 'start_after'):
            if getattr(self, name) < 1:
                raise ValueError(f'stream {name}={getattr(self, name)}; it '
                                 'must be >= 1.')
        if not self.heartbeat_timeout > 0:
            raise ValueError(
                f'stream heartbeat_timeout={self.heartbeat_timeout}; give the '
                'seconds without a sign of life after which a generating '
                'rank counts as dead (> 0, e.g. 300).')

    @classmethod
    def parse(
        cls, value: Union[None, bool, dict, 'StreamConfig']
    ) -> Optional['StreamConfig']:
        """None/False: generate first; True: interleaved defaults; a dict:
        these fields (an unknown key is named with the known ones)."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise TypeError(f'stream={value!r}; use None, True or a dict '
                            "such as dict(mode='split', generate_ranks=6).")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f'stream has unknown keys {unknown}; the keys '
                             f'are {known}.')
        return cls(**value)
