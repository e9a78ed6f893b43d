"""Stable Diffusion (SD, SDXL, SD3 / SD3.5, FLUX.1) images with
attention-derived pixel labels.

Depends on torch, diffusers, transformers, numpy and :mod:`mmdd.prompts`;
``import mmdd.diffusion`` loads no OpenMMLab package (mmcv, mmengine,
mmseg), so it can be used and benchmarked on its own. The names below are
imported on first use.
"""
from mmdd.utils.lazy import lazy_exports

_EXPORTS = {
    'unet.processors':
    ('AttentionLayer', 'AttentionStore', 'RecordingAttnProcessor',
     'attention_layers', 'record_attention', 'select_layers'),
    'class_tokens': ('PromptTruncatedWarning', 'SamplePrompt',
                     'build_sample_prompt', 'class_token_positions'),
    'clip_tokenizer': ('clip_tokenizer', ),
    'dit.processors': ('record_dit_attention', ),
    'dit.recorder': ('DiTRecorder', ),
    'generator':
    ('DEFAULT_NEGATIVE_PROMPT', 'GeneratedSample', 'GenerationConfig',
     'LabelledImageGenerator', 'SampleAttention', 'SampleRequest',
     'load_pipeline', 'pipeline_class'),
    'labelling.labels': ('label_from_attention', ),
    'models.names': ('resolve_model_name', ),
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
