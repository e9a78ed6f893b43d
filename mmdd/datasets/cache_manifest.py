"""A synthetic cache's ``manifest.json``: the settings its samples share.

``settings`` is compared key by key with what a config asks for; any
difference stops the run (one folder, one dataset). The model is compared by
content (:mod:`mmdd.diffusion.models.fingerprint`), not by path. ``sources``
says where things came from (the model as the config spelled it, the digest
of each model file) and is never compared; it lets a refusal name the model
files that changed.

A manifest binds the folder only once a sample is finished: over a folder
with no finished sample (a first run that failed before its first sample) a
manifest with other settings is simply replaced.
"""
import json
from pathlib import Path
from typing import Dict, List, Optional

from mmdd.utils.atomic import atomic_write_text

MANIFEST_VERSION = 2


class CacheMismatchError(RuntimeError):
    """The cache was made with other settings than the config asks for."""


def normalise(value):
    """JSON round trip: tuples become lists, keys strings."""
    return json.loads(json.dumps(value))


def differences(old: Dict, new: Dict, prefix: str = '') -> List[str]:
    """``key: cache has X, config asks for Y`` for each differing key; dicts
    are compared key by key (``generation.tau``), not as a whole."""
    lines = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            lines += differences(a, b, f'{prefix}{key}.')
        elif a != b:
            lines.append(f'{prefix}{key}: cache has {a!r}, config asks for '
                         f'{b!r}')
    return lines


def _model_note(found: Dict, sources: Dict) -> str:
    from mmdd.diffusion.models.fingerprint import changed_files
    old = found.get('sources', {})
    note = (f'\n  (the cache was made from {old.get("model")!r}; the config '
            f'names {sources.get("model")!r}')
    if old.get('model_files') and sources.get('model_files'):
        changed = changed_files(old['model_files'], sources['model_files'])
        note += '; files that differ: ' + ', '.join(changed[:10])
    return note + ')'


def read_manifest(path: Path) -> Optional[dict]:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise CacheMismatchError(
            f'{path} is unreadable ({err}); delete it only if every sample '
            'in the folder was made with this config.') from err


def write_manifest(path: Path, settings: Dict, sources: Dict) -> None:
    atomic_write_text(
        path,
        json.dumps(
            dict(version=MANIFEST_VERSION, settings=normalise(settings),
                 sources=normalise(sources)), indent=2))


def check_manifest(path: Path, settings: Dict, sources: Dict,
                   skip: tuple = ()) -> Optional[dict]:
    """Raise :class:`CacheMismatchError` naming every key in which the
    manifest at ``path`` differs from ``settings`` (keys in ``skip`` are not
    compared); return the manifest (None when there is none)."""
    found = read_manifest(path)
    if found is None:
        return None
    old = {k: v for k, v in found.get('settings', {}).items() if k not in skip}
    new = {k: v for k, v in normalise(settings).items() if k not in skip}
    lines = differences(old, new)
    if found.get('version', 1) < MANIFEST_VERSION and 'model' in old:
        lines.append('(this cache was made by an older mmdd that recorded '
                     'the model by its path, not its content)')
    if not lines:
        return found
    message = '\n  '.join(lines)
    if any(line.startswith('model:') for line in lines):
        message += _model_note(found, sources)
    raise CacheMismatchError(
        f'The cache {path.parent} was generated with other settings:\n  '
        f'{message}\nMixing them would silently blend two datasets. Point '
        'cache_dir at a new folder, or delete this one to start over.')
