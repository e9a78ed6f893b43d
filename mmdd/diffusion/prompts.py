"""Class-prompt appending: ``"<caption>; <class names>"``."""
from typing import Sequence

CLASS_PROMPT_SEPARATOR = '; '


def append_class_prompt(caption: str, class_names: Sequence[str]) -> str:
    """Append the names of the classes present to a caption.

    Every class gets at least one token of its own even when the caption
    calls it something else (the paper's class-prompt appending).
    """
    caption = caption.strip().rstrip(';').strip()
    if not class_names:
        return caption
    return caption + CLASS_PROMPT_SEPARATOR + ' '.join(class_names)
