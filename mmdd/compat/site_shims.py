"""Install mmdd's two import-time stand-ins into an environment.

``python -m mmdd.compat.site_shims lite`` (what ``tools/install.sh`` runs
under ``MMDD_MMCV=lite``) writes, into the environment's site-packages:

- ``mmdd_mmcv_ops_stub.py`` + ``.pth``: a stand-in for mmcv's compiled
  extension, so that mmseg imports under mmcv-lite
  (:mod:`mmdd.compat.mmcv_ops_stub`);
- ``mmdd_torchvision_ops_stub.py`` + ``.pth``: lets PyPI's torchvision import
  beside a CPU-only torch (:mod:`mmdd.compat.torchvision_ops_stub`).

``full`` writes the second only and removes the first. Each ``.pth`` holds
one line that Python's ``site`` module runs at start; deleting the two
files of a stand-in undoes it.
"""
import os
import sys
import sysconfig
from typing import List

HERE = os.path.dirname(os.path.abspath(__file__))
MMCV_STUB = 'mmcv_ops_stub'
TORCHVISION_STUB = 'torchvision_ops_stub'


def site_name(stub: str) -> str:
    return f'mmdd_{stub}'


def install_stub(stub: str, site_dir: str) -> List[str]:
    """Copy ``mmdd/utils/<stub>.py`` into ``site_dir`` and add the ``.pth``
    that installs its finder; return the two paths."""
    name = site_name(stub)
    with open(os.path.join(HERE, f'{stub}.py')) as f:
        source = f.read()
    module = os.path.join(site_dir, f'{name}.py')
    with open(module, 'w') as f:
        f.write(source)
    pth = os.path.join(site_dir, f'{name}.pth')
    with open(pth, 'w') as f:
        f.write(f'import {name}; {name}.install_finder()\n')
    return [module, pth]


def remove_stub(stub: str, site_dir: str) -> List[str]:
    """Delete a stub's two files from ``site_dir``; return those deleted."""
    removed = []
    for ext in ('.pth', '.py'):
        path = os.path.join(site_dir, site_name(stub) + ext)
        if os.path.exists(path):
            os.remove(path)
            removed.append(path)
    return removed


def install(mmcv_flavour: str, site_dir: str) -> None:
    """The stubs an environment with ``mmcv_flavour`` (lite or full)
    needs."""
    if mmcv_flavour not in ('lite', 'full'):
        raise ValueError(f'mmcv flavour {mmcv_flavour!r}: use lite '
                         '(mmcv-lite) or full (compiled mmcv)')
    install_stub(TORCHVISION_STUB, site_dir)
    if mmcv_flavour == 'lite':
        install_stub(MMCV_STUB, site_dir)
    else:
        remove_stub(MMCV_STUB, site_dir)


if __name__ == '__main__':
    flavour = sys.argv[1] if len(sys.argv) > 1 else 'lite'
    site = sysconfig.get_paths()['purelib']
    install(flavour, site)
    print(f'[mmdd install] stand-ins for mmcv={flavour} in {site}')
