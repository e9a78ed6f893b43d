"""Environment workarounds, apart from mmdd's own helpers.

- :mod:`.version_check`: refuse OpenMMLab versions mmdd was not made for
  (reads metadata only, imports no mm* package);
- :mod:`.torch_compat`, :mod:`.dist_compat`: patches that let mmengine 0.10
  load its checkpoints under torch >= 2.6 and start distributed jobs on CPUs;
  :func:`prepare_openmmlab` applies both after the version check;
- :mod:`.site_shims`: installs the import-time stand-ins
  :mod:`.mmcv_ops_stub` and :mod:`.torchvision_ops_stub` into site-packages
  (``python -m mmdd.compat.site_shims lite|full``).

This package imports no other mmdd package; each name is imported from its
module on first use.
"""
from mmdd.lazy import lazy_exports

_EXPORTS = {
    'prepare': ('prepare_openmmlab', ),
    'torch_compat': ('allow_mmengine_checkpoint_globals', ),
    'dist_compat': ('allow_cpu_distributed_init', ),
    'version_check': ('check_mm_versions', 'mmseg_stack_installed'),
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
