"""One way to write a file so that readers never see half of it.

The data goes to a hidden temporary file beside the target, is flushed to
disk, and is then renamed over the target (``os.replace`` is atomic on POSIX
within one file system). A crash or Ctrl-C leaves either the old file or the
new one, plus at most a temporary file whose name says which process on which
host wrote it, so a cleaner can tell a live writer's file from a dead one's.
"""
import os
import re
import shutil
import socket
from pathlib import Path
from typing import Callable, Optional, Tuple, Union

PathLike = Union[str, Path]

_TMP = re.compile(r'^\.(?P<name>.+)\.tmp-(?P<host>[^.]+)-(?P<pid>\d+)$')


def _host() -> str:
    # Dots would make the name ambiguous; only the short host name matters.
    return socket.gethostname().split('.')[0].replace('-', '_') or 'host'


def temporary_path(path: PathLike) -> Path:
    """The temporary file :func:`atomic_write` uses for ``path`` here."""
    path = Path(path)
    return path.with_name(f'.{path.name}.tmp-{_host()}-{os.getpid()}')


def temporary_writer(tmp: PathLike) -> Optional[Tuple[str, int]]:
    """``(host, pid)`` of the process that writes ``tmp``; None when ``tmp``
    is not one of :func:`atomic_write`'s temporary files."""
    match = _TMP.match(Path(tmp).name)
    if match is None:
        return None
    return match['host'], int(match['pid'])


def is_temporary(path: PathLike) -> bool:
    return temporary_writer(path) is not None


def writer_alive(tmp: PathLike) -> bool:
    """Whether the writer of ``tmp`` may still be running.

    A writer on another host cannot be checked from here and counts as alive.
    """
    writer = temporary_writer(tmp)
    if writer is None:
        return False
    host, pid = writer
    if host != _host():
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _fsync(path: Path) -> None:
    with open(path, 'rb') as f:
        os.fsync(f.fileno())


def atomic_write(path: PathLike, write: Callable[[Path], None]) -> int:
    """Call ``write(tmp)`` to fill a temporary file, then move it to ``path``.

    Args:
        path: the file to create or replace; its folder is created.
        write: writes the whole content to the path it is given (e.g.
            ``lambda tmp: image.save(tmp, format='PNG')``). Pass the format
            explicitly where a writer guesses it from the suffix.

    Returns:
        The size of the written file in bytes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path.stat().st_size


def atomic_write_text(path: PathLike, text: str) -> int:
    """:func:`atomic_write` for UTF-8 text."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, 'utf-8'))


def atomic_write_bytes(path: PathLike, data: bytes) -> int:
    """:func:`atomic_write` for bytes."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_dir(path: PathLike, write: Callable[[Path], None]) -> Path:
    """:func:`atomic_write` for a folder (e.g. ``save_pretrained``).

    ``write(tmp)`` fills a temporary folder beside ``path``; an existing
    ``path`` is moved aside, the new one renamed in, the old one removed.
    Readers see the old folder or the new one, never a half-written one;
    a crash between the two renames leaves the old folder under a
    temporary name that :func:`writer_alive` reports as dead.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    old = temporary_path(path.with_name(path.name + '.old'))
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        write(tmp)
        for file in sorted(p for p in tmp.rglob('*') if p.is_file()):
            _fsync(file)
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return path
