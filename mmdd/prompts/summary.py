"""The per-class table the prompt tools print after writing a file."""
import os
from typing import Iterable, Mapping, Optional, Sequence, Union

from .class_names import BACKGROUND
from .records import PromptRecord, write_prompts


def format_summary(
        records: Sequence[PromptRecord], class_names: Sequence[str],
        template_ids: Iterable[str] = (),
        synonyms: Optional[Mapping[str, Sequence[str]]] = None) -> str:
    """A table per class: records containing it, and how many of its
    captioned records already named it in the caption (the rest rely on
    the appended class prompt alone)."""
    # Imported here: nltk (which loads scipy) takes seconds, and a tool's
    # --help or a bad argument should not wait for it.
    from .class_match import ClassMatcher
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
    lines = [
        f'records: {len(records)} (captions: '
        f'{len(records) - len(templates)}, templates: {len(templates)})',
        f'{"class":<{width}}{"records":>8}{"captioned":>10}'
        f'{"mentioned":>10}{"share":>7}'
    ]
    for name, count in present.items():
        share = (f'{100 * mentioned[name] / captioned[name]:.0f}%'
                 if captioned[name] else '-')
        lines.append(f'{name:<{width}}{count:>8}{captioned[name]:>10}'
                     f'{mentioned[name]:>10}{share:>7}')
    return '\n'.join(lines)


PathLike = Union[str, os.PathLike]


# yapf: disable
def write_and_summarize(records: Sequence[PromptRecord], path: PathLike,
                        class_names: Sequence[str],
                        template_ids: Iterable[str] = ()) -> None:
    # yapf: enable
    """Write the prompt file, then print its table and where it went."""
    write_prompts(records, path)
    print(format_summary(records, class_names, template_ids))
    print(f'wrote {len(records)} prompts to {path}')
