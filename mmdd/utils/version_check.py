"""Refuse OpenMMLab versions mmdd was not made for, naming the fix.

Versions are read from the installed distributions' metadata, so the check
imports none of them (``mmdd.diffusion`` must work where mm* is absent).
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


def installed_version(dist: str) -> Optional[str]:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def check_mm_versions(
        ranges: Dict[str, Tuple[str, str]] = SUPPORTED_RANGES) -> None:
    """Raise an AssertionError naming every installed package out of range."""
    problems = []
    for dist, (low, high) in ranges.items():
        found = installed_version(dist)
        if found is None:
            continue
        if not Version(low) <= Version(found) < Version(high):
            problems.append(f'{dist}=={found} is installed, but mmdd needs '
                            f'{dist}>={low},<{high}: '
                            f'pip install "{dist}>={low},<{high}"')
    if problems:
        raise AssertionError('Incompatible OpenMMLab packages:\n  ' +
                             '\n  '.join(problems))


def mmseg_stack_installed() -> bool:
    return all(installed_version(d) is not None for d in SUPPORTED_RANGES)
