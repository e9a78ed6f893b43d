"""Old path of the SD3 / FLUX text conditioning, now
:mod:`mmdd.diffusion.conditioning` (``sd3``, ``flux``, ``t5``)."""
from .class_tokens import (PromptTruncatedWarning, SamplePrompt,
                           build_sample_prompt)
from .conditioning.base import TextEmbeddings, TokenIds
from .conditioning.base import padded_ids as _padded
from .conditioning.flux import FluxTextConditioning
from .conditioning.sd3 import SD3TextConditioning
from .conditioning.t5 import DEFAULT_T5_LENGTH, DiTTextConditioning

__all__ = [
    'DEFAULT_T5_LENGTH', 'DiTTextConditioning', 'FluxTextConditioning',
    'PromptTruncatedWarning', 'SD3TextConditioning', 'SamplePrompt',
    'TextEmbeddings', 'TokenIds', '_padded', 'build_sample_prompt'
]
