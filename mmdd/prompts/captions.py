"""Captions: reading caption files, cleaning a caption, and the generation
text ``"<caption>; <class names>"`` (the paper's class-prompt appending).

This module is the one source of truth for that text: the prompt tools, the
shapes world and the generator's tokenizer code
(:mod:`mmdd.diffusion.class_tokens`) all build it with
:func:`clean_caption` and :data:`CLASS_PROMPT_SEPARATOR`.
"""
import os
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple, Union

from .jsonl import iter_jsonl, load_json, nonblank_lines

PathLike = Union[str, os.PathLike]
CLASS_PROMPT_SEPARATOR = '; '
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


def clean_caption(caption: str) -> str:
    """Whitespace collapsed, ``;`` (the class-prompt separator) -> ``,``,
    so that a generation text holds exactly one separator."""
    return ' '.join(caption.split()).replace(';', ',').strip(' ,')


def append_class_prompt(caption: str, class_names: Sequence[str]) -> str:
    """``"<caption>; <class> <class>"``: the cleaned caption and the names of
    the classes present, so every class gets tokens of its own even when the
    caption calls it something else."""
    text = clean_caption(caption)
    if not class_names:
        return text
    return text + CLASS_PROMPT_SEPARATOR + ' '.join(class_names)


def read_captions(path: PathLike) -> Dict[str, List[str]]:
    """Read captions as ``{image id: [captions]}``, in file order.

    Accepted: ``.json`` (a list of ``{"id"|"image"|"image_id", "caption"}``,
    a dict id -> caption or id -> [captions], or COCO's captions file),
    ``.jsonl`` (one such object a line) and ``.txt`` (``id<TAB>caption`` or
    ``id caption`` lines; ``#`` comments). Ids that are image file names or
    paths are reduced to the file stem (``2007_000032.jpg`` ->
    ``2007_000032``).
    """
    path = Path(path)
    readers = {
        '.json': _json_captions,
        '.jsonl': _jsonl_captions,
        '.txt': _txt_captions
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f'{path}: unknown captions format {path.suffix!r}; '
                         f'use one of {sorted(readers)}')
    captions: Dict[str, List[str]] = {}
    for where, image_id, caption in reader(path):
        if not isinstance(caption, str) or not caption.strip():
            raise ValueError(f'{where}: caption must be a non-empty string, '
                             f'got {caption!r}')
        captions.setdefault(image_id, []).append(' '.join(caption.split()))
    return captions


def image_id_of(value: object) -> str:
    """An image id, with an image file name or path reduced to its stem."""
    text = str(value).strip()
    if Path(text).suffix.lower() in IMAGE_SUFFIXES:
        return Path(text).stem
    return text


Caption = Tuple[str, str, object]  # (where, image id, caption)


def _entry_captions(obj: object, where: str) -> Iterator[Caption]:
    """Captions of one ``{"id"|"image"|"image_id", "caption"(s)}`` object."""
    if not isinstance(obj, dict):
        raise ValueError(f'{where}: expected an object like '
                         f'{{"id": "2007_000032", "caption": "..."}}, '
                         f'got {obj!r}')
    id_key = next((k for k in ('id', 'image', 'image_id') if k in obj), None)
    if id_key is None or ('caption' not in obj and 'captions' not in obj):
        raise ValueError(f'{where}: needs an "id" (or "image"/"image_id") '
                         f'and a "caption" (or "captions"), got keys '
                         f'{sorted(obj)}')
    texts = obj['captions'] if 'captions' in obj else [obj['caption']]
    if not isinstance(texts, list):
        raise ValueError(f'{where}: "captions" must be a list of strings')
    for text in texts:
        yield where, image_id_of(obj[id_key]), text


def _json_captions(path: Path) -> Iterator[Caption]:
    data = load_json(path)
    if isinstance(data, dict) and isinstance(data.get('annotations'), list):
        # COCO captions file: ids are the image file stems.
        names = {
            img['id']: image_id_of(img['file_name'])
            for img in data.get('images', [])
        }
        for index, ann in enumerate(data['annotations']):
            where = f'{path}: annotations[{index}]'
            if not isinstance(ann, dict) or 'image_id' not in ann:
                raise ValueError(f'{where}: expected an object with '
                                 f'"image_id" and "caption"')
            image_id = names.get(ann['image_id'], str(ann['image_id']))
            yield where, image_id, ann.get('caption')
    elif isinstance(data, dict):
        for key, value in data.items():
            texts = value if isinstance(value, list) else [value]
            for text in texts:
                yield f'{path}: [{key!r}]', image_id_of(key), text
    elif isinstance(data, list):
        for index, obj in enumerate(data):
            yield from _entry_captions(obj, f'{path}: [{index}]')
    else:
        raise ValueError(f'{path}: expected a JSON list or object of '
                         f'captions, got {type(data).__name__}')


def _jsonl_captions(path: Path) -> Iterator[Caption]:
    expected = 'one object like {"id": ..., "caption": ...}'
    for where, obj in iter_jsonl(path, expected):
        yield from _entry_captions(obj, where)


def _txt_captions(path: Path) -> Iterator[Caption]:
    for where, line in nonblank_lines(path):
        if line.startswith('#'):
            continue
        parts = line.split('\t', 1) if '\t' in line else line.split(None, 1)
        if len(parts) != 2 or not parts[1].strip():
            raise ValueError(f'{where}: expected "<id><TAB><caption>" or '
                             f'"<id> <caption>", got {line!r}')
        yield where, image_id_of(parts[0]), parts[1]
