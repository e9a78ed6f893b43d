"""Line-oriented reading shared by the caption and prompt files.

Every error names ``file:line`` so a bad line in a file of 100k records can
be found and fixed.
"""
import json
from pathlib import Path
from typing import Iterator, Tuple


def nonblank_lines(path: Path) -> Iterator[Tuple[str, str]]:
    """Non-blank lines, stripped, with their ``file:line`` location."""
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                yield f'{path}:{number}', line.strip()


def iter_jsonl(path: Path, expected: str) -> Iterator[Tuple[str, object]]:
    """``(file:line, object)`` for each non-blank line of a JSONL file.

    Args:
        path: the file.
        expected: what one line must hold, for the error message (e.g.
            ``'one object like {"id": ..., "caption": ...}'``).
    """
    for where, line in nonblank_lines(path):
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f'{where}: not valid JSON ({err.msg}); each '
                             f'line must be {expected}') from None


def load_json(path: Path) -> object:
    """A whole JSON file; a syntax error names ``file:line``."""
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path}:{err.lineno}: not valid JSON '
                             f'({err.msg})') from None
