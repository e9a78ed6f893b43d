"""A model's text conditioning built on its tokenizers alone, before (or
without) loading the model: prompts can then be checked against what each
text encoder reads in a second, with the rule generation uses.

Tokenizers are small files loaded from the model's folder (or hub id, as
``from_pretrained`` would); text encoders are never loaded: the class name
``model_index.json`` gives each one stands in for it, so a conditioning
sees which encoders are there (e.g. SD3 without T5).
"""
import os
from types import SimpleNamespace
from typing import Optional

from diffusers import DiffusionPipeline

from ..architectures import architecture_named
from .names import resolve_model_name

ABSENT = ([None, None], (None, None))  # how model_index.json drops a part


def text_parts(model: str) -> SimpleNamespace:
    """``tokenizer*`` (loaded) and ``text_encoder*`` (their class names, or
    None where the model has none) of ``model``, plus ``class_name``."""
    import transformers
    model = resolve_model_name(model)
    if os.path.isdir(os.path.expanduser(model)):
        model = os.path.expanduser(model)
    index = DiffusionPipeline.load_config(model)
    parts = dict(class_name=index.get('_class_name'))
    for name, value in index.items():
        if not name.startswith(('tokenizer', 'text_encoder')):
            continue
        if value in ABSENT:
            parts[name] = None
        elif name.startswith('text_encoder'):
            parts[name] = value[1]
        else:
            parts[name] = getattr(transformers, value[1]).from_pretrained(
                model, subfolder=name)
    return SimpleNamespace(**parts)


def tokenizer_conditioning(model: str,
                           max_sequence_length: Optional[int] = None):
    """The text conditioning ``model`` would get, on its tokenizers alone:
    ``sample_prompts`` works (and checks as in generation); nothing can be
    encoded. KeyError when mmdd does not generate with its pipeline
    class; OSError when the model cannot be read."""
    parts = text_parts(model)
    row = architecture_named(parts.class_name)
    return row.conditioning(parts, max_sequence_length)
