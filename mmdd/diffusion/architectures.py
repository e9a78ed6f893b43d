"""The one table of the architectures mmdd generates with.

A row joins a diffusers pipeline class to the text conditioning that
encodes its prompts as the pipeline would, the attention reader that
records it (:class:`~mmdd.diffusion.recording.AttentionReader`) and the
recording attention processor the reader installs. A pipeline is looked up
by its class's MRO, so a subclass of a supported pipeline gets its base's
row; any other pipeline is refused by name. Adding an architecture is one
module (its reader and processors) plus a row here: see
docs/architecture.md.
"""
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from diffusers import (FluxPipeline, StableDiffusion3Pipeline,
                       StableDiffusionPipeline, StableDiffusionXLPipeline)

from .conditioning.clip import SDTextConditioning, SDXLTextConditioning
from .conditioning.flux import FluxTextConditioning
from .conditioning.sd3 import SD3TextConditioning
from .dit.processors import FluxRecordingProcessor, SD3RecordingProcessor
from .dit.reader import DiTReader
from .unet.processors import RecordingAttnProcessor
from .unet.reader import UNetReader


@dataclass(frozen=True)
class Architecture:
    family: str  # the checkpoints' name, for messages and docs
    pipeline: type  # the diffusers pipeline class
    conditioning: type  # encodes the prompts as the pipeline would
    reader: type  # an AttentionReader: reader(pipeline, row, config)
    processor: type  # the recording attention processor it installs


ARCHITECTURES: Tuple[Architecture, ...] = (
    Architecture('SD 1.x/2.x', StableDiffusionPipeline, SDTextConditioning,
                 UNetReader, RecordingAttnProcessor),
    Architecture('SDXL base', StableDiffusionXLPipeline, SDXLTextConditioning,
                 UNetReader, RecordingAttnProcessor),
    Architecture('SD3 / SD3.5', StableDiffusion3Pipeline, SD3TextConditioning,
                 DiTReader, SD3RecordingProcessor),
    Architecture('FLUX.1', FluxPipeline, FluxTextConditioning, DiTReader,
                 FluxRecordingProcessor),
)


def supported() -> str:
    """``A, B, C or D checkpoints (families)``, for refusals."""
    names = [row.pipeline.__name__ for row in ARCHITECTURES]
    families = [row.family for row in ARCHITECTURES]
    return (f'{", ".join(names[:-1])} or {names[-1]} checkpoints '
            f'({", ".join(families[:-1])} or {families[-1]})')


def architecture_of(pipeline: Union[object, type]) -> Architecture:
    """The row of a pipeline (or pipeline class): the first class of its
    MRO that the table names. Raises a ValueError naming the class and the
    supported ones."""
    cls = pipeline if isinstance(pipeline, type) else type(pipeline)
    rows = {row.pipeline: row for row in ARCHITECTURES}
    for base in cls.__mro__:
        if base in rows:
            return rows[base]
    raise ValueError(
        f'{cls.__name__} is not a supported pipeline; mmdd generates with '
        f'{supported()}. To add one, see docs/architecture.md.')


def architecture_named(class_name: str) -> Architecture:
    """The row whose pipeline class is called ``class_name`` (a
    ``model_index.json``'s ``_class_name``); KeyError when none is."""
    for row in ARCHITECTURES:
        if row.pipeline.__name__ == class_name:
            return row
    raise KeyError(class_name)


def text_conditioning(pipeline, max_sequence_length: Optional[int] = None):
    """The text conditioning of a loaded pipeline, by its row
    (``max_sequence_length``: T5's length for SD3 / FLUX; None keeps the
    pipeline's default)."""
    return architecture_of(pipeline).conditioning(pipeline,
                                                  max_sequence_length)
