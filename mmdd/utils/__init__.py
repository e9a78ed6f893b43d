from .register import register_all_modules
from .torch_compat import allow_mmengine_checkpoint_globals
from .version_check import check_mm_versions

__all__ = [
    'register_all_modules', 'allow_mmengine_checkpoint_globals',
    'check_mm_versions'
]
