"""Stable Diffusion images with attention-derived pixel labels.

This sub-package depends on torch, diffusers, transformers and numpy only; it
never imports mmseg, so it can be used (and benchmarked) on its own.

The public names below are imported on first use, so the text-only modules
(``prompts``, ``prompt_builder``, ``class_names``) load without torch or
diffusers.
"""
import importlib
from typing import Any

_EXPORTS = {
    'attention': ('AttentionLayer', 'AttentionStore', 'RecordingAttnProcessor',
                  'attention_layers', 'record_attention', 'select_layers'),
    'generator': ('DEFAULT_NEGATIVE_PROMPT', 'GeneratedSample',
                  'GenerationConfig', 'LabelledImageGenerator',
                  'SampleAttention', 'SampleRequest', 'load_pipeline',
                  'pipeline_class'),
    'labels': ('label_from_attention', ),
    'prompts': ('PromptTruncatedWarning', 'SamplePrompt',
                'append_class_prompt', 'build_sample_prompt',
                'class_token_positions'),
    'tiny': ('build_random_pipeline', 'clip_tokenizer',
             'save_random_pipeline'),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items()
              for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(f'.{_MODULE_OF[name]}', __name__),
                   name)
