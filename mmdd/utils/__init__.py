"""Small helpers; each is imported from its module on first use, so that
``mmdd.utils.atomic`` (used by :mod:`mmdd.prompts`) loads neither torch nor
OpenMMLab."""
import importlib
from typing import Any

_EXPORTS = {
    'register': ('prepare_openmmlab', 'register_all_modules'),
    'torch_compat': ('allow_mmengine_checkpoint_globals', ),
    'version_check': ('check_mm_versions', ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items()
              for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(f'.{_MODULE_OF[name]}', __name__),
                   name)
