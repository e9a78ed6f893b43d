"""Generation prompts: a caption plus the classes present in its image.

Captions come from a file (JSON, JSONL or text); the classes present come
from the real image's ground truth. Each sample becomes a
:class:`PromptRecord` whose ``prompt`` is ``"<caption>; <class names>"`` and
the records are stored one JSON object a line. Images without captions get a
template caption (``a photo of a dog and a cat``).

Class mentions in captions are found without any downloaded nltk corpus: a
regexp tokenizer and the Snowball stemmer need no data, unlike
``word_tokenize`` (``punkt``) or WordNet. Pure Python: no torch, no mmseg.
"""
from __future__ import annotations

import json
import os
import random
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import (Dict, Iterable, Iterator, List, Mapping, Optional,
                    Sequence, Tuple, TypeVar, Union)

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer

from .class_names import BACKGROUND
from .class_synonyms import COCO_SYNONYMS, NON_CLASS_PHRASES, VOC_SYNONYMS
from .prompts import append_class_prompt

PathLike = Union[str, os.PathLike]
T = TypeVar('T')

RECORD_KEYS = ('id', 'caption', 'classes', 'prompt')
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
# Used when no synonym table is given: keyed by class name, so a VOC list
# picks the VOC entries and a COCO list the COCO ones.
DEFAULT_SYNONYMS: Dict[str, Tuple[str, ...]] = {
    **COCO_SYNONYMS, **VOC_SYNONYMS}


@dataclass
class PromptRecord:
    """One generation sample: ``prompt`` is what the text encoder reads."""
    id: str
    caption: str
    classes: List[str]
    prompt: str

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


# --------------------------------------------------------------- captions
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
    readers = {'.json': _json_captions, '.jsonl': _jsonl_captions,
               '.txt': _txt_captions}
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


def _normalize_id(value: object) -> str:
    text = str(value).strip()
    if Path(text).suffix.lower() in IMAGE_SUFFIXES:
        return Path(text).stem
    return text


def _entry_captions(obj: object, where: str) -> Iterator[tuple]:
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
        yield where, _normalize_id(obj[id_key]), text


def _json_captions(path: Path) -> Iterator[tuple]:
    data = _load_json(path)
    if isinstance(data, dict) and isinstance(data.get('annotations'), list):
        # COCO captions file: ids are the image file stems.
        names = {img['id']: _normalize_id(img['file_name'])
                 for img in data.get('images', [])}
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
                yield f'{path}: [{key!r}]', _normalize_id(key), text
    elif isinstance(data, list):
        for index, obj in enumerate(data):
            yield from _entry_captions(obj, f'{path}: [{index}]')
    else:
        raise ValueError(f'{path}: expected a JSON list or object of '
                         f'captions, got {type(data).__name__}')


def _jsonl_captions(path: Path) -> Iterator[tuple]:
    for where, line in _lines(path):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f'{where}: not valid JSON ({err.msg}); each line '
                             f'must be one object like {{"id": ..., '
                             f'"caption": ...}}') from None
        yield from _entry_captions(obj, where)


def _txt_captions(path: Path) -> Iterator[tuple]:
    for where, line in _lines(path):
        if line.startswith('#'):
            continue
        parts = line.split('\t', 1) if '\t' in line else line.split(None, 1)
        if len(parts) != 2 or not parts[1].strip():
            raise ValueError(f'{where}: expected "<id><TAB><caption>" or '
                             f'"<id> <caption>", got {line!r}')
        yield where, _normalize_id(parts[0]), parts[1]


def _lines(path: Path) -> Iterator[Tuple[str, str]]:
    """Non-blank lines with their ``file:line`` location."""
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                yield f'{path}:{number}', line.strip()


def _load_json(path: Path) -> object:
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path}:{err.lineno}: not valid JSON '
                             f'({err.msg})') from None


# ---------------------------------------------------------- prompt files
def write_prompts(records: Iterable[PromptRecord], path: PathLike) -> Path:
    """Write records as JSONL, atomically (temp file + ``os.replace``).

    Every record is validated first, so a bad record never reaches the file
    and an interrupted run leaves the previous file intact.
    """
    path = Path(path)
    lines, seen = [], {}
    for index, record in enumerate(records):
        where = f'record {index} (id {getattr(record, "id", None)!r})'
        record = _check_record(asdict(record), where, None)
        if record.id in seen:
            raise ValueError(f'{where}: duplicate id, already used by record '
                             f'{seen[record.id]}; ids must be unique')
        seen[record.id] = index
        lines.append(json.dumps(asdict(record), ensure_ascii=False) + '\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.',
                               suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.writelines(lines)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def read_prompts(path: PathLike,
                 class_names: Optional[Sequence[str]] = None
                 ) -> List[PromptRecord]:
    """Read and validate a prompt file written by :func:`write_prompts`.

    Errors name ``file:line``. With ``class_names``, every class must be one
    of them (catches a VOC prompt file used for COCO).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'prompt file {path} not found; build one '
                                f'with tools/prompts/build_voc_prompts.py or '
                                f'build_coco_prompts.py')
    records: List[PromptRecord] = []
    seen: Dict[str, str] = {}
    for where, line in _lines(path):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f'{where}: not valid JSON ({err.msg}); each line '
                             f'must be one object with keys '
                             f'{", ".join(RECORD_KEYS)}') from None
        record = _check_record(obj, where, class_names)
        if record.id in seen:
            raise ValueError(f'{where}: duplicate id {record.id!r} (first at '
                             f'{seen[record.id]}); ids must be unique')
        seen[record.id] = where
        records.append(record)
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
    for key in ('id', 'prompt'):
        if not isinstance(obj[key], str) or not obj[key].strip():
            raise ValueError(f'{where}: "{key}" must be a non-empty string, '
                             f'got {obj[key]!r}')
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
    return PromptRecord(obj['id'], obj['caption'], list(classes),
                        obj['prompt'])


# ------------------------------------------------------- class mentions
_TOKENIZER = RegexpTokenizer(r"[a-z0-9]+(?:'[a-z]+)?")
_STEMMER = SnowballStemmer('english')
# Plurals the stemmer does not bring back to their singular's stem.
_IRREGULAR = {
    'men': 'man', 'women': 'woman', 'children': 'child', 'mice': 'mouse',
    'knives': 'knife', 'leaves': 'leaf', 'geese': 'goose', 'oxen': 'ox',
    'calves': 'calf', 'wolves': 'wolf', 'shelves': 'shelf', 'feet': 'foot',
    'teeth': 'tooth', 'buses': 'bus', 'busses': 'bus', 'wives': 'wife',
    'loaves': 'loaf', 'scarves': 'scarf', 'halves': 'half',
    'policemen': 'policeman', 'gentlemen': 'gentleman',
    'firemen': 'fireman', 'cacti': 'cactus', 'tvs': 'tv'}


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """The key a word is matched by: its stem, plurals folded in.

    ``dogs``/``dog``, ``buses``/``bus`` and ``men``/``man`` share a key.
    Words of 5+ letters ending in -ing/-ed keep their full form: they are
    verbs far more often than class nouns (``training`` is not a train,
    ``planted`` not a plant), while ``potted``/``dining`` still match
    themselves.
    """
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    word = _IRREGULAR.get(word.strip("'"), word.strip("'"))
    base = word[:-1] if word.endswith(('ings', 'eds')) else word
    if len(base) >= 5 and base.endswith(('ing', 'ed')):
        return base
    return _STEMMER.stem(word)


def _phrase_key(phrase: str) -> Tuple[str, ...]:
    return tuple(normalize_word(t) for t in _TOKENIZER.tokenize(
        phrase.lower()))


class ClassMatcher:
    """Finds the classes a caption mentions; build once, call many times.

    A class matches by its own name or any of its synonyms, as a phrase of
    normalised words. At each word the longest phrase wins and consumes its
    words, so ``hot dog`` is never a dog and ``teddy bear`` never a bear.
    """

    def __init__(self,
                 class_names: Sequence[str],
                 synonyms: Optional[Mapping[str, Sequence[str]]] = None,
                 non_class_phrases: Sequence[str] = NON_CLASS_PHRASES):
        self.class_names = [c for c in class_names if c != BACKGROUND]
        synonyms = DEFAULT_SYNONYMS if synonyms is None else synonyms
        table: Dict[Tuple[str, ...], Optional[str]] = {
            _phrase_key(p): None for p in non_class_phrases}
        # A class's own name beats another class's synonym for it.
        owners = {_phrase_key(name): name for name in self.class_names}
        for name in self.class_names:
            for phrase in synonyms.get(name, ()):
                key = _phrase_key(phrase)
                owner = owners.setdefault(key, name)
                if owner != name and _phrase_key(owner) != key:
                    raise ValueError(
                        f'synonym {phrase!r} is claimed by classes {owner!r} '
                        f'and {name!r}; keep it for one of them')
        table.update(owners)
        table.pop((), None)
        self._table = table
        self._max_len = max(map(len, table), default=1)

    def __call__(self, caption: str) -> List[str]:
        """Mentioned classes, unique, in class-list order."""
        words = [normalize_word(t) for t in _TOKENIZER.tokenize(
            caption.lower())]
        found, i = set(), 0
        while i < len(words):
            for length in range(min(self._max_len, len(words) - i), 0, -1):
                key = tuple(words[i:i + length])
                if key in self._table:
                    if self._table[key] is not None:
                        found.add(self._table[key])
                    i += length
                    break
            else:
                i += 1
        return [name for name in self.class_names if name in found]


def find_mentioned_classes(
        caption: str,
        class_names: Sequence[str],
        synonyms: Optional[Mapping[str, Sequence[str]]] = None) -> List[str]:
    """Classes of ``class_names`` that ``caption`` mentions (see
    :class:`ClassMatcher`; build one yourself for many captions)."""
    return ClassMatcher(class_names, synonyms)(caption)


# --------------------------------------------------------------- prompts
def order_classes(classes: Iterable[str],
                  class_names: Optional[Sequence[str]] = None) -> List[str]:
    """Unique classes without background, in class-list order (first-seen
    order when no list is given)."""
    unique = list(dict.fromkeys(c for c in classes if c != BACKGROUND))
    if class_names is None:
        return unique
    unknown = [c for c in unique if c not in class_names]
    if unknown:
        raise ValueError(f'unknown class(es) {unknown}; the class list has '
                         f'{list(class_names)}')
    return [c for c in class_names if c in unique]


def build_prompt(caption: str,
                 present_classes: Iterable[str],
                 class_names: Optional[Sequence[str]] = None) -> str:
    """``"<caption>; <class> <class>"`` with the present classes appended
    once each, in class-list order.

    The caption's whitespace is collapsed and any ``;`` in it becomes ``,``
    so that the prompt has exactly one class-prompt separator.
    """
    text = clean_caption(caption)
    if not text:
        raise ValueError('caption is empty; use template_prompt(classes) '
                         'for images without a caption')
    return append_class_prompt(text, order_classes(present_classes,
                                                   class_names))


def clean_caption(caption: str) -> str:
    """Whitespace collapsed, ``;`` (the class-prompt separator) -> ``,``."""
    return ' '.join(caption.split()).replace(';', ',').strip(' ,')


def template_prompt(classes: Sequence[str]) -> str:
    """``a photo of a dog``, ``a photo of an aeroplane and a cat``, ..."""
    names = order_classes(classes)
    if not names:
        raise ValueError('a template needs at least one non-background '
                         'class')
    parts = [f'{"an" if n[0] in "aeiou" else "a"} {n}' for n in names]
    body = parts[0] if len(parts) == 1 else (
        ', '.join(parts[:-1]) + ' and ' + parts[-1])
    return f'a photo of {body}'


def template_record(record_id: str, classes: Sequence[str],
                    class_names: Optional[Sequence[str]] = None
                    ) -> PromptRecord:
    """A record whose caption is the template of its classes."""
    ordered = order_classes(classes, class_names)
    caption = template_prompt(ordered)
    return PromptRecord(record_id, caption, ordered,
                        build_prompt(caption, ordered, class_names))


def template_prompts(class_names: Sequence[str],
                     num_prompts: int,
                     seed: int = 0,
                     max_classes: int = 1,
                     id_prefix: str = 'template') -> List[PromptRecord]:
    """Template records when no captions exist, deterministic by ``seed``.

    Each record names 1..``max_classes`` classes. The first class cycles
    through a fresh shuffle of all classes, so every class leads about
    ``num_prompts / num_classes`` records; the others are drawn at random.
    """
    candidates = [c for c in class_names if c != BACKGROUND]
    if not candidates or max_classes < 1:
        raise ValueError(f'need at least one non-background class and '
                         f'max_classes >= 1, got {list(class_names)} and '
                         f'{max_classes}')
    rng = random.Random(seed)
    records, pool = [], []
    for index in range(num_prompts):
        if not pool:
            pool = rng.sample(candidates, len(candidates))
        first = pool.pop()
        others = [c for c in candidates if c != first]
        extra = rng.randint(1, min(max_classes, len(candidates))) - 1
        chosen = [first] + rng.sample(others, extra)
        records.append(template_record(f'{id_prefix}_{index:06d}', chosen,
                                       class_names))
    return records


def caption_records(image_id: str,
                    captions: Sequence[str],
                    classes: Sequence[str],
                    class_names: Sequence[str],
                    captions_per_image: int = 1) -> List[PromptRecord]:
    """Records of one image: one per caption (at most
    ``captions_per_image``), or one template record without captions.

    Ids: the image id for the first, ``<id>_<k>`` for the k-th extra one.
    """
    if not captions:
        return [template_record(image_id, classes, class_names)]
    ordered = order_classes(classes, class_names)
    return [
        PromptRecord(image_id if k == 0 else f'{image_id}_{k}',
                     clean_caption(caption), ordered,
                     build_prompt(caption, ordered, class_names))
        for k, caption in enumerate(captions[:captions_per_image])
    ]


# ---------------------------------------------------------- tool helpers
def format_summary(records: Sequence[PromptRecord],
                   class_names: Sequence[str],
                   template_ids: Iterable[str] = (),
                   synonyms: Optional[Mapping[str, Sequence[str]]] = None
                   ) -> str:
    """A table per class: records containing it, and how many of its
    captioned records already named it in the caption (the rest rely on
    the appended class prompt alone)."""
    templates = set(template_ids)
    match = ClassMatcher(class_names, synonyms)
    present = {c: 0 for c in class_names if c != BACKGROUND}
    captioned = dict(present)
    mentioned = dict(present)
    for record in records:
        said = set() if record.id in templates else set(match(record.caption))
        for name in record.classes:
            present[name] += 1
            if record.id not in templates:
                captioned[name] += 1
                mentioned[name] += name in said
    width = max(map(len, present), default=5) + 2
    lines = [f'records: {len(records)} (captions: '
             f'{len(records) - len(templates)}, templates: {len(templates)})',
             f'{"class":<{width}}{"records":>8}{"captioned":>10}'
             f'{"mentioned":>10}{"share":>7}']
    for name, count in present.items():
        share = (f'{100 * mentioned[name] / captioned[name]:.0f}%'
                 if captioned[name] else '-')
        lines.append(f'{name:<{width}}{count:>8}{captioned[name]:>10}'
                     f'{mentioned[name]:>10}{share:>7}')
    return '\n'.join(lines)


def iter_progress(items: Iterable[T], total: Optional[int] = None,
                  desc: str = '') -> Iterator[T]:
    """tqdm when installed (it comes with transformers), else a plain
    counter on stderr every 5%."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        yield from tqdm(items, total=total, desc=desc)
        return
    import sys
    step = max(1, (total or 0) // 20)
    count = 0
    for count, item in enumerate(items, 1):
        if count % step == 0:
            print(f'\r{desc} {count}/{total or "?"}', end='', file=sys.stderr)
        yield item
    print(f'\r{desc} {count}/{total or "?"}', file=sys.stderr)
