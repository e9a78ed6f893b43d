"""Stable Diffusion (SD, SDXL, SD3 / SD3.5, FLUX.1) images with
attention-derived pixel labels.

Depends on torch, diffusers, transformers, numpy and :mod:`mmdd.prompts`;
``import mmdd.diffusion`` loads no OpenMMLab package (mmcv, mmengine,
mmseg), so it can be used and benchmarked on its own. The names below are
imported on first use.
"""
from mmdd.lazy import lazy_exports

_EXPORTS = {
    'architectures': ('ARCHITECTURES', 'Architecture', 'architecture_of'),
    'class_tokens': ('PromptTruncatedWarning', 'SamplePrompt',
                     'build_sample_prompt', 'class_token_positions'),
    'clip_tokenizer': ('clip_tokenizer', ),
    'dit.processors': ('record_dit_attention', ),
    'dit.recorder': ('DiTRecorder', ),
    'generation_config':
    ('DEFAULT_NEGATIVE_PROMPT', 'GeneratedSample', 'GenerationConfig',
     'SampleAttention', 'SampleRequest'),
    'generator': ('LabelledImageGenerator', ),
    'labelling.attention_store': ('AttentionStore', ),
    'labelling.labels': ('label_from_attention', ),
    'models.loading': ('load_pipeline', 'pipeline_class'),
    'models.names': ('resolve_model_name', ),
    'recording':
    ('AttentionLayer', 'AttentionReader', 'ReadRequest', 'RecordedColumns'),
    'unet.layers': ('attention_layers', 'select_layers'),
    'unet.processors': ('RecordingAttnProcessor', 'record_attention'),
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
