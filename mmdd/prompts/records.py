"""The prompt file: one :class:`PromptRecord` a line (JSONL).

A record holds an image id, its caption and the classes present; the
generation text (``"<caption>; <classes>"``) is built from them when the
sample is generated, so it is not stored.
"""
import json
import os
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

from mmdd.utils.atomic import atomic_write_text
from .jsonl import iter_jsonl

PathLike = Union[str, os.PathLike]
RECORD_KEYS = ('id', 'caption', 'classes')
# Written by mmdd before 0.2; it only repeated caption + classes.
_DROPPED_KEYS = ('prompt', )


@dataclass
class PromptRecord:
    """One generation sample: an id, its caption and the classes present."""
    id: str
    caption: str
    classes: List[str]

    def class_ids(self, class_names: Sequence[str]) -> List[int]:
        """Label indices of ``classes`` in ``class_names`` (background is
        index 0), as the generator's ``SampleRequest.class_ids`` wants."""
        index = {name: i for i, name in enumerate(class_names)}
        unknown = [c for c in self.classes if c not in index]
        if unknown:
            raise ValueError(f'record {self.id!r}: unknown class(es) '
                             f'{unknown}; the class list has '
                             f'{list(class_names)}')
        return [index[c] for c in self.classes]


def write_prompts(records: Iterable[PromptRecord], path: PathLike) -> Path:
    """Write records as JSONL with the atomic writer.

    Every record is validated first, so a bad record never reaches the file
    and an interrupted run leaves the previous file intact.
    """
    lines, seen = [], {}
    for index, record in enumerate(records):
        where = f'record {index} (id {getattr(record, "id", None)!r})'
        record = _check_record(asdict(record), where, None)
        if record.id in seen:
            raise ValueError(f'{where}: duplicate id, already used by record '
                             f'{seen[record.id]}; ids must be unique')
        seen[record.id] = index
        lines.append(json.dumps(asdict(record), ensure_ascii=False) + '\n')
    atomic_write_text(path, ''.join(lines))
    return Path(path)


class IgnoredPromptKeyWarning(UserWarning):
    """A prompt file carries a key mmdd no longer reads."""


def read_prompts(
        path: PathLike,
        class_names: Optional[Sequence[str]] = None) -> List[PromptRecord]:
    """Read and validate a prompt file written by :func:`write_prompts`.

    Errors name ``file:line``. With ``class_names``, every class must be one
    of them (catches a VOC prompt file used for COCO). Files of older mmdd
    versions carry a ``prompt`` key; it is ignored with one warning a file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'prompt file {path} not found; build one '
                                f'with tools/prompts/build_voc_prompts.py or '
                                f'build_coco_prompts.py')
    records: List[PromptRecord] = []
    seen: Dict[str, str] = {}
    ignored = set()
    expected = f'one object with keys {", ".join(RECORD_KEYS)}'
    for where, obj in iter_jsonl(path, expected):
        if isinstance(obj, dict):
            dropped = [key for key in _DROPPED_KEYS if key in obj]
            ignored.update(dropped)
            for key in dropped:
                del obj[key]
        record = _check_record(obj, where, class_names)
        if record.id in seen:
            raise ValueError(f'{where}: duplicate id {record.id!r} (first at '
                             f'{seen[record.id]}); ids must be unique')
        seen[record.id] = where
        records.append(record)
    if ignored:
        warnings.warn(
            f'{path}: ignoring key(s) {sorted(ignored)}: the generation text '
            f'is built from "caption" and "classes"; rewrite the file with '
            f'write_prompts (or the prompt tools) to drop them',
            IgnoredPromptKeyWarning, stacklevel=2)
    return records


def _check_record(obj: object, where: str,
                  class_names: Optional[Sequence[str]]) -> PromptRecord:
    if not isinstance(obj, dict):
        raise ValueError(f'{where}: expected a JSON object with keys '
                         f'{", ".join(RECORD_KEYS)}, got {obj!r}')
    missing = [key for key in RECORD_KEYS if key not in obj]
    if missing:
        raise ValueError(f'{where}: missing key(s) {", ".join(missing)}; '
                         f'every record needs {", ".join(RECORD_KEYS)}')
    if not isinstance(obj['id'], str) or not obj['id'].strip():
        raise ValueError(f'{where}: "id" must be a non-empty string, '
                         f'got {obj["id"]!r}')
    if not isinstance(obj['caption'], str):
        raise ValueError(f'{where}: "caption" must be a string, '
                         f'got {obj["caption"]!r}')
    classes = obj['classes']
    if not isinstance(classes, list) or not all(
            isinstance(c, str) for c in classes):
        raise ValueError(f'{where}: "classes" must be a list of class names, '
                         f'got {classes!r}')
    if class_names is not None:
        unknown = [c for c in classes if c not in class_names]
        if unknown:
            raise ValueError(f'{where}: unknown class(es) {unknown}; the '
                             f'class list has {list(class_names)}')
    return PromptRecord(obj['id'], obj['caption'], list(classes))
