"""Stable Diffusion images with attention-derived pixel labels.

Depends on torch, diffusers, transformers, numpy and :mod:`mmdd.prompts`;
``import mmdd.diffusion`` loads no OpenMMLab package (mmcv, mmengine,
mmseg), so it can be used and benchmarked on its own. The names below are
imported on first use.
"""
import importlib
from typing import Any

_EXPORTS = {
    'attention': ('AttentionLayer', 'AttentionStore', 'RecordingAttnProcessor',
                  'attention_layers', 'record_attention', 'select_layers'),
    'class_tokens': ('PromptTruncatedWarning', 'SamplePrompt',
                     'build_sample_prompt', 'class_token_positions'),
    'clip_tokenizer': ('clip_tokenizer', ),
    'generator': ('DEFAULT_NEGATIVE_PROMPT', 'GeneratedSample',
                  'GenerationConfig', 'LabelledImageGenerator',
                  'SampleAttention', 'SampleRequest', 'load_pipeline'),
    'labels': ('label_from_attention', ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items()
              for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(f'.{_MODULE_OF[name]}', __name__),
                   name)
