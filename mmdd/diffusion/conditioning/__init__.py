"""Text conditioning from token ids, as each supported pipeline encodes text.

One base (:mod:`.base`: sample prompts per encoder, truncation reports,
the class-label checks) and one module per text-encoder family:
:mod:`.clip` (SD 1.x/2.x, SDXL), :mod:`.t5` (what SD3 and FLUX share),
:mod:`.sd3`, :mod:`.flux`. Which pipeline gets which is the table of
:mod:`mmdd.diffusion.architectures`; ``text_conditioning`` (the lookup) is
kept here for old imports and lives there.
"""
from mmdd.lazy import lazy_exports
from ..class_tokens import (PromptTruncatedWarning, SamplePrompt,
                            build_sample_prompt)
from .base import (TextConditioning, TextEmbeddings, TextEncoder, TokenIds,
                   padded_ids)
from .clip import SDTextConditioning, SDXLTextConditioning
from .flux import FluxTextConditioning
from .sd3 import SD3TextConditioning
from .t5 import DEFAULT_T5_LENGTH, DiTTextConditioning

_padded = padded_ids  # the old private name

# The table imports this package's modules: its lookup is read on use.
__getattr__, _lazy = lazy_exports(__name__,
                                  {'.architectures': ('text_conditioning', )})
__all__ = [
    'DEFAULT_T5_LENGTH', 'DiTTextConditioning', 'FluxTextConditioning',
    'PromptTruncatedWarning', 'SD3TextConditioning', 'SDTextConditioning',
    'SDXLTextConditioning', 'SamplePrompt', 'TextConditioning',
    'TextEmbeddings', 'TextEncoder', 'TokenIds', 'build_sample_prompt',
    'padded_ids', 'text_conditioning'
]
