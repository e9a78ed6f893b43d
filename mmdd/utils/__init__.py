"""Small helpers; each is imported from its module on first use, so that
``mmdd.utils.atomic`` (used by :mod:`mmdd.prompts`) loads neither torch nor
OpenMMLab. mmdd.utils imports no other mmdd package.

The names below live elsewhere now and are kept here for users' code (no
import at module level, so no circle): :func:`mmdd.register.
register_all_modules` sits above the packages it registers, the environment
workarounds in :mod:`mmdd.compat`.
"""
from mmdd.lazy import lazy_exports

_EXPORTS = {
    '.register': ('register_all_modules', ),
    '.compat.prepare': ('prepare_openmmlab', ),
    '.compat.torch_compat': ('allow_mmengine_checkpoint_globals', ),
    '.compat.version_check': ('check_mm_versions', ),
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
