"""Let ``mmcv.ops`` import under mmcv-lite; fail clearly if an op runs.

mmcv-lite is mmcv without its compiled extension ``mmcv._ext``. mmseg 1.2.2
imports ``mmcv.ops`` at module level (``point_sample``, pure PyTorch, and
``sigmoid_focal_loss``), and ``mmcv/ops/__init__.py`` loads ``mmcv._ext``
for every op, so ``import mmseg.models`` fails under mmcv-lite although
mmdd's models use no compiled op.

This file, copied into site-packages as ``mmdd_mmcv_ops_stub.py`` beside a
one-line ``.pth`` that calls :func:`install_finder` at interpreter start
(:mod:`mmdd.compat.site_shims`; ``tools/install.sh`` runs it under
``MMDD_MMCV=lite``), puts a finder at the *end* of ``sys.meta_path``. It
answers only for ``mmcv._ext``, and only after Python's own finders found
no real one, so a compiled mmcv installed later wins without any change.
Its ``mmcv._ext`` has every attribute mmcv asks for; calling one raises
:class:`CompiledOpsMissing` naming the switch that installs the compiled
mmcv.

It imports nothing from mmdd: it runs at every interpreter start.
"""
import importlib.abc
import importlib.machinery
import sys
import types

MODULE = 'mmcv._ext'
# The one documented switch (tools/install.sh, docs/get_started.md).
FULL_MMCV_HINT = ('install the compiled mmcv: `MMDD_MMCV=full bash '
                  'tools/install.sh` (builds mmcv 2.1.0 once, about 17 min '
                  'on 2 cores, then cached), or `mim install mmcv==2.1.0` '
                  'in your own environment')
# mmcv.utils.collect_env calls these when mmcv.ops imports; they only report.
INFO_FUNCTIONS = ('get_compiler_version', 'get_compiling_cuda_version')


class CompiledOpsMissing(RuntimeError):
    """A compiled mmcv op was called, but ``mmcv._ext`` is this stub."""


def _missing_op(name: str):

    def op(*args, **kwargs):
        raise CompiledOpsMissing(
            f'mmcv op {name!r} is compiled code, and this environment has '
            f'mmcv-lite (mmcv without compiled ops); {FULL_MMCV_HINT}.')

    op.__name__ = op.__qualname__ = name
    return op


def _stub_getattr(name: str):
    if name.startswith('__'):
        raise AttributeError(name)
    if name in INFO_FUNCTIONS:
        return lambda: 'n/a (mmcv-lite: no compiled ops)'
    return _missing_op(name)


class StubExtFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``mmcv._ext`` when nothing else does."""

    mmdd_stub_for = MODULE

    def find_spec(self, fullname, path=None, target=None):
        if fullname != MODULE:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__getattr__ = _stub_getattr
        module.IS_MMDD_STUB = True
        module.__doc__ = ('Stand-in for mmcv\'s compiled ops (mmcv-lite); '
                          'see mmdd/compat/mmcv_ops_stub.py.')


def install_finder() -> None:
    """Append the finder to ``sys.meta_path`` once (what the .pth runs)."""
    if not any(
            getattr(f, 'mmdd_stub_for', None) == MODULE
            for f in sys.meta_path):
        sys.meta_path.append(StubExtFinder())


def is_stub(ext_module: types.ModuleType) -> bool:
    """Whether ``ext_module`` (an imported ``mmcv._ext``) is this stub."""
    return bool(getattr(ext_module, 'IS_MMDD_STUB', False))
