"""Refuse OpenMMLab versions mmdd was not made for, naming the fix.

Versions are read from the installed distributions' metadata, so the check
imports none of them (``mmdd.diffusion`` must work where mm* is absent).
mmcv is either distribution: ``mmcv`` (compiled ops) or ``mmcv-lite`` (pure
Python; ``tools/install.sh`` adds a stand-in for the ops,
:mod:`mmdd.compat.mmcv_ops_stub`).
"""
from importlib import metadata
from typing import Dict, Optional, Tuple

from packaging.version import Version

# name -> (lowest accepted, first refused); mmsegmentation 1.2.2's own ranges.
SUPPORTED_RANGES: Dict[str, Tuple[str, str]] = {
    'mmcv': ('2.0.0rc4', '2.2.0'),
    'mmengine': ('0.5.0', '1.0.0'),
    'mmsegmentation': ('1.0.0', '2.0.0'),
}

# dist -> the other distributions that install the same package.
ALTERNATIVES: Dict[str, Tuple[str, ...]] = {'mmcv': ('mmcv-lite', )}
# mmdd does not require mmcv at install (either distribution serves, and pip
# would build a missing mmcv from source), so its absence is named here.
MMCV_MISSING = ('mmsegmentation is installed but mmcv is not: pip install '
                '"mmcv-lite==2.1.0" (pure Python, no compiled ops), then '
                '`python -m mmdd.compat.site_shims lite`; or the compiled '
                'mmcv: `mim install "mmcv==2.1.0"`')


def installed_dist(dist: str) -> Optional[str]:
    """Which distribution provides ``dist`` (for ``mmcv``: ``mmcv`` or
    ``mmcv-lite``); None when none is installed."""
    for name in (dist, *ALTERNATIVES.get(dist, ())):
        try:
            metadata.version(name)
            return name
        except metadata.PackageNotFoundError:
            continue
    return None


def installed_version(dist: str) -> Optional[str]:
    """The installed version of ``dist`` or of an alternative to it."""
    name = installed_dist(dist)
    return None if name is None else metadata.version(name)


def check_mm_versions(
        ranges: Dict[str, Tuple[str, str]] = SUPPORTED_RANGES) -> None:
    """Raise an AssertionError naming every installed package out of range."""
    problems = []
    for dist, (low, high) in ranges.items():
        found = installed_version(dist)
        if found is None:
            if dist == 'mmcv' and installed_version('mmsegmentation'):
                problems.append(MMCV_MISSING)
            continue
        if not Version(low) <= Version(found) < Version(high):
            name = installed_dist(dist)
            problems.append(f'{name}=={found} is installed, but mmdd needs '
                            f'{name}>={low},<{high}: '
                            f'pip install "{name}>={low},<{high}"')
    if problems:
        raise AssertionError('Incompatible OpenMMLab packages:\n  ' +
                             '\n  '.join(problems))


def mmseg_stack_installed() -> bool:
    return all(installed_version(d) is not None for d in SUPPORTED_RANGES)
