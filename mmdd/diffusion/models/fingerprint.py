"""What a model *is*, whatever its path is spelled like.

A synthetic cache must know whether its samples came from the model a config
names now. The path text cannot tell: ``./m``, ``m/``, an absolute path, a
symlink or a copy are the same model, while weights changed in place are
not. So a local folder is identified by a sha256 over its configs and weight
files (those of the parts ``model_index.json`` lists), and a hub id by the
commit it resolves to.

Hashing a 5 GB checkpoint takes seconds; the digest of each file is kept in
``~/.cache/mmdd/file_sha256.json`` (``$MMDD_CACHE_HOME`` to move it) under
its real path, size, mtime and ctime, so it is read once.
"""
import hashlib
import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Union

from mmdd.utils.atomic import atomic_write_text
from .check import ModelFolderError, pipeline_parts

PathLike = Union[str, Path]
MODEL_FILE_SUFFIXES = ('.json', '.txt', '.model', '.safetensors', '.bin',
                       '.pt', '.pth', '.ckpt', '.msgpack')


def sha256_of(path: PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _memo_path() -> Path:
    home = os.environ.get('MMDD_CACHE_HOME') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
        'mmdd')
    return Path(home, 'file_sha256.json')


class FileDigests:
    """sha256 of files, remembered by real path + size + mtime + ctime."""

    def __init__(self, memo: Optional[PathLike] = None) -> None:
        self.memo = Path(memo) if memo else _memo_path()
        try:
            self.known = json.loads(self.memo.read_text())
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    def __call__(self, path: PathLike) -> str:
        real = os.path.realpath(path)
        stat = os.stat(real)
        key = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
        entry = self.known.get(real)
        if entry and entry[:3] == key:
            return entry[3]
        digest = sha256_of(real)
        self.known[real] = key + [digest]
        self.changed = True
        return digest

    def save(self) -> None:
        if not self.changed:
            return
        try:
            atomic_write_text(self.memo, json.dumps(self.known))
        except OSError:  # a read-only home only costs the next run time
            pass
        self.changed = False


def model_files(folder: PathLike) -> List[str]:
    """Files that decide what the pipeline computes, relative to
    ``folder``: model_index.json and the configs and weights of its
    parts (READMEs, training logs and the like are left out)."""
    folder = Path(folder)
    files = ['model_index.json']
    for part in sorted(pipeline_parts(folder)):
        root = folder / part
        if not root.is_dir():
            continue
        for path in sorted(root.rglob('*')):
            if path.is_file() and path.name.endswith(MODEL_FILE_SUFFIXES) \
                    and not path.name.startswith('.'):
                files.append(path.relative_to(folder).as_posix())
    return files


def folder_fingerprint(folder: PathLike,
                       digests: Optional[FileDigests] = None) -> Dict:
    """``{'fingerprint': 'sha256:...', 'files': {relative path: sha256}}``
    of a local diffusers folder."""
    digests = digests or FileDigests()
    files = {name: digests(Path(folder, name)) for name in model_files(folder)}
    digests.save()
    total = hashlib.sha256(json.dumps(files, sort_keys=True).encode())
    return dict(fingerprint=f'sha256:{total.hexdigest()}', files=files)


def hub_revision(model_id: str, online: bool = True) -> str:
    """The commit a hub id resolves to: the local hub cache's first (what
    an offline run loads), else (``online``) the hub's."""
    if model_id.count('/') != 1 or model_id.startswith(('.', '/', '~')):
        raise FileNotFoundError(
            f'model folder {model_id!r} does not exist (relative paths start '
            f'at the working directory, {os.getcwd()}). Pass an existing '
            'diffusers folder or a hub id such as '
            '"stabilityai/stable-diffusion-2-1-base".')
    try:
        from huggingface_hub import snapshot_download
        snapshot = snapshot_download(model_id, local_files_only=True)
        return Path(snapshot).name
    except Exception:  # not cached: ask the hub
        pass
    try:
        offline = os.environ.get('HF_HUB_OFFLINE',
                                 '0').lower() not in ('0', '', 'false', 'no')
        if offline or not online:
            raise LookupError('not in the local hub cache, and offline')
        from huggingface_hub import HfApi
        return HfApi().model_info(model_id).sha
    except Exception as err:
        raise FileNotFoundError(
            f'model {model_id!r} is neither a local folder (no '
            f'{os.path.abspath(model_id)}) nor a hub id found in the local '
            f'hub cache or on the hub ({type(err).__name__}: {err}). Check '
            'the path (relative paths start at the working directory), or '
            'download the model first (huggingface-cli download '
            f'{model_id}).') from err


def model_identity(model: PathLike, online: bool = True) -> Dict:
    """What to record in a cache's manifest about ``model``.

    Local folder: its :func:`folder_fingerprint`. Hub id:
    ``{'fingerprint': 'hub:<id>@<commit>'}``. A shipped ``mmdd::`` name
    is its folder.
    """
    from .names import resolve_model_name
    path = os.path.expanduser(resolve_model_name(str(model)))
    if os.path.isdir(path):
        return folder_fingerprint(path)
    if os.path.exists(path):
        raise ModelFolderError(f'model {model!r} is a file; pass the '
                               'diffusers folder that holds model_index.json')
    revision = hub_revision(str(model), online)
    return dict(fingerprint=f'hub:{model}@{revision}')


def changed_files(old: Dict[str, str], new: Dict[str, str]) -> List[str]:
    """Files whose digest differs, or that only one side has."""
    return sorted(
        name for name in set(old) | set(new) if old.get(name) != new.get(name))
