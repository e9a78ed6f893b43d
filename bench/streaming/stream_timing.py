"""A hook for bench.streaming.stream_modes (imported by its configs through
``custom_imports``): rank 0 writes the wall-clock time of the end of the
first training iteration to ``<work_dir>/first_iter.txt``."""
import os.path as osp
import time

from mmengine.hooks import Hook

from mmdd.registry import HOOKS


@HOOKS.register_module()
class FirstIterTimeHook(Hook):
    """Record when training got going (rank 0)."""

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if runner.iter == 0 and runner.rank == 0:
            with open(osp.join(runner.work_dir, 'first_iter.txt'), 'w') as f:
                f.write(repr(time.time()))
