"""Small helpers; each is imported from its module on first use, so that
``mmdd.utils.atomic`` (used by :mod:`mmdd.prompts`) loads neither torch nor
OpenMMLab."""
from .lazy import lazy_exports

_EXPORTS = {
    'register': ('prepare_openmmlab', 'register_all_modules'),
    'torch_compat': ('allow_mmengine_checkpoint_globals', ),
    'version_check': ('check_mm_versions', ),
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
