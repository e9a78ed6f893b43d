"""mmdd: Dataset Diffusion for MMSegmentation 1.x.

``import mmdd`` (e.g. through ``custom_imports``) registers mmseg's and
mmdd's modules when the OpenMMLab stack is installed.
``mmdd.diffusion`` needs only torch + diffusers and works without it.
"""
from .utils.version_check import check_mm_versions, mmseg_stack_installed
from .version import __version__, version_info

if mmseg_stack_installed():
    check_mm_versions()
    from .utils.dist_compat import allow_cpu_distributed_init
    from .utils.torch_compat import allow_mmengine_checkpoint_globals
    allow_mmengine_checkpoint_globals()
    allow_cpu_distributed_init()
    # Registers mmseg's modules and mmdd's, so a config with
    # default_scope='mmdd' (or custom_imports=['mmdd']) finds every type.
    from .utils.register import register_all_modules
    register_all_modules(init_default_scope=False)

__all__ = ['__version__', 'version_info']
