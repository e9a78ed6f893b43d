"""Let PyPI's torchvision import beside a CPU-only torch.

PyPI's Linux torchvision wheels are built against CUDA torch: beside the CPU
build ``torch==2.13.0+cpu`` their C++ extension ``torchvision/_C.so`` cannot
load (it needs ``libtorch_cuda.so``). torchvision expects that and falls back
to Python, except that ``torchvision/_meta_registrations.py`` (0.17 and
later) registers fake kernels for ``torchvision::nms`` and
``torchvision::qnms`` without checking, so ``import torchvision`` (and with
it ``import mmpretrain``) fails with ``operator torchvision::nms does not
exist``.

This file, copied into site-packages as ``mmdd_torchvision_ops_stub.py``
beside a one-line ``.pth`` (:mod:`mmdd.compat.site_shims`; run by
``tools/install.sh``), waits for the first ``import torchvision``. Only if
the extension cannot load does it declare those two operators' schemas
(no kernels), so the registration succeeds. torchvision's transforms and
models then work; its compiled ops (``torchvision.ops.nms``, ``roi_align``)
fail with torchvision's own "Couldn't load custom C++ ops" error. Where the
extension loads (a CUDA torch), nothing is changed.

It imports nothing from mmdd: it runs at every interpreter start.
"""
import importlib.machinery
import os
import sys

# The operators torchvision registers fake kernels for unconditionally.
UNGUARDED_OPS = ('nms', 'qnms')
_LIBRARIES = []  # a torch.library.Library must live as long as its ops


def extension_path(package_dir: str):
    """torchvision's ``_C`` extension in ``package_dir``, or None."""
    import glob  # here: this module loads at every interpreter start
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        found = glob.glob(os.path.join(package_dir, '_C' + suffix))
        if found:
            return found[0]
    return None


def declare_missing_ops(package_dir: str) -> bool:
    """Declare the unguarded operators when torchvision's extension cannot
    load; return whether it did."""
    import torch
    path = extension_path(package_dir)
    if path is None:
        return False
    try:
        torch.ops.load_library(path)
        return False
    except OSError:
        pass
    library = torch.library.Library('torchvision', 'DEF')
    for name in UNGUARDED_OPS:
        try:
            library.define(
                f'{name}(Tensor dets, Tensor scores, float iou_threshold) '
                '-> Tensor')
        except RuntimeError:  # declared already
            pass
    _LIBRARIES.append(library)
    return True


class TorchvisionOpsFinder:
    """Runs :func:`declare_missing_ops` before torchvision's first import,
    then finds nothing (Python's own finders import torchvision)."""

    mmdd_stub_for = 'torchvision'

    def __init__(self) -> None:
        self.checked = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname == 'torchvision' and not self.checked:
            self.checked = True
            spec = importlib.machinery.PathFinder.find_spec(fullname)
            if spec is not None and spec.submodule_search_locations:
                declare_missing_ops(list(spec.submodule_search_locations)[0])
        return None


def install_finder() -> None:
    """Put the finder first in ``sys.meta_path`` once (what the .pth
    runs)."""
    if not any(
            getattr(f, 'mmdd_stub_for', None) == 'torchvision'
            for f in sys.meta_path):
        sys.meta_path.insert(0, TorchvisionOpsFinder())
