"""mmdd: Dataset Diffusion for MMSegmentation 1.x.

``import mmdd`` is cheap: it loads no OpenMMLab package, so
:mod:`mmdd.diffusion` and :mod:`mmdd.prompts` work (and import fast) on
their own. Registration happens where mmseg is used: the tools call
:func:`mmdd.register_all_modules`, and when mmengine is already
running, as under ``custom_imports=dict(imports=['mmdd'])`` or a config
with ``default_scope='mmdd'``, importing mmdd registers mmseg's and mmdd's
modules and applies mmdd's compatibility patches.
"""
import sys

from .version import __version__, version_info


def _register_under_mmengine() -> None:
    if 'mmengine' not in sys.modules:
        return
    from .compat.version_check import mmseg_stack_installed
    if mmseg_stack_installed():
        from .register import register_all_modules
        register_all_modules(init_default_scope=False)


_register_under_mmengine()

__all__ = ['__version__', 'version_info']
