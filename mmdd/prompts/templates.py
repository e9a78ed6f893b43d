"""Records from captions and class lists, and template captions
(``a photo of a dog and a cat``) for images without one."""
import random
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

from .captions import append_class_prompt, clean_caption
from .class_names import BACKGROUND
from .records import PromptRecord


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


def build_prompt(caption: str, present_classes: Iterable[str],
                 class_names: Optional[Sequence[str]] = None) -> str:
    """The generation text of a record: ``"<caption>; <class> <class>"``
    with the present classes appended once each, in class-list order (see
    :func:`~mmdd.prompts.captions.append_class_prompt`)."""
    if not clean_caption(caption):
        raise ValueError('caption is empty; use template_prompt(classes) '
                         'for images without a caption')
    return append_class_prompt(caption,
                               order_classes(present_classes, class_names))


def template_prompt(classes: Sequence[str]) -> str:
    """``a photo of a dog``, ``a photo of an aeroplane and a cat``, ..."""
    names = order_classes(classes)
    if not names:
        raise ValueError('a template needs at least one non-background '
                         'class')
    parts = [f'{"an" if n[0] in "aeiou" else "a"} {n}' for n in names]
    body = parts[0] if len(parts) == 1 else (', '.join(parts[:-1]) + ' and ' +
                                             parts[-1])
    return f'a photo of {body}'


def template_record(
        record_id: str, classes: Sequence[str],
        class_names: Optional[Sequence[str]] = None) -> PromptRecord:
    """A record whose caption is the template of its classes."""
    ordered = order_classes(classes, class_names)
    return PromptRecord(record_id, template_prompt(ordered), ordered)


def template_prompts(class_names: Sequence[str], num_prompts: int,
                     seed: int = 0, max_classes: int = 1,
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
        records.append(
            template_record(f'{id_prefix}_{index:06d}', chosen, class_names))
    return records


def caption_records(image_id: str, captions: Sequence[str],
                    classes: Sequence[str], class_names: Sequence[str],
                    captions_per_image: int = 1) -> List[PromptRecord]:
    """Records of one image: one per caption (at most
    ``captions_per_image``), or one template record without captions.

    Ids: the image id for the first, ``<id>_<k>`` for the k-th extra one.
    """
    if not captions:
        return [template_record(image_id, classes, class_names)]
    ordered = order_classes(classes, class_names)
    records = []
    for k, caption in enumerate(captions[:captions_per_image]):
        text = clean_caption(caption)
        if not text:
            raise ValueError(f'image {image_id!r}: caption {caption!r} is '
                             f'empty once cleaned')
        records.append(
            PromptRecord(image_id if k == 0 else f'{image_id}_{k}', text,
                         ordered))
    return records


def image_records(
    images: Iterable[Tuple[str,
                           Sequence[str]]], captions: Mapping[str,
                                                              Sequence[str]],
    class_names: Sequence[str], captions_per_image: int = 1
) -> Tuple[List[PromptRecord], List[str], List[str]]:
    """Records of ``(image id, classes present)`` pairs, with their
    captions (see :func:`caption_records`).

    Returns the records, the ids of the images that got a template (no
    caption) and the ids of the images skipped (no class present).
    """
    if captions_per_image < 1:
        raise ValueError(f'--captions-per-image must be >= 1, got '
                         f'{captions_per_image}')
    records, templates, empty = [], [], []
    for image_id, present in images:
        if not present:
            empty.append(image_id)
            continue
        texts = captions.get(image_id, [])
        if not texts:
            templates.append(image_id)
        records += caption_records(image_id, texts, present, class_names,
                                   captions_per_image)
    return records, templates, empty
