"""What every architecture's attention reader shares with the generator.

:class:`~mmdd.diffusion.generator.LabelledImageGenerator` knows no
architecture: it asks the row of :mod:`mmdd.diffusion.architectures` for an
:class:`AttentionReader`, hands it a :class:`ReadRequest` per batch, runs the
pipeline inside the :class:`Recording` it returns and asks the recording for
the averaged maps and each sample's columns afterwards. The UNet side
(:mod:`mmdd.diffusion.unet`) and the transformer side
(:mod:`mmdd.diffusion.dit`) implement it; both record into an
:class:`~mmdd.diffusion.labelling.attention_store.AttentionStore` keyed by
:class:`AttentionLayer`.
"""
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Protocol, Sequence, Tuple

import torch

if TYPE_CHECKING:
    from .conditioning import SamplePrompt

SELF, CROSS = 'self', 'cross'
Size = Tuple[int, int]


@dataclass(frozen=True)
class AttentionLayer:
    name: str  # key of the recorded layer (UNet: in ``unet.attn_processors``)
    kind: str  # SELF or CROSS (DiT: also 'concept')
    level: int  # UNet level: the feature map is the latent / 2**level
    size: Size  # (h, w) of the recorded grid


@dataclass
class RecordedColumns:
    """One sample's column lists per source (None: not recorded)."""
    class_prompt: Optional[List[List[int]]]
    text: Optional[List[List[int]]]
    concept: Optional[List[List[int]]]


@dataclass
class ReadRequest:
    """What one batch asks a reader to record.

    ``prompts[sample][tokenizer]``; ``names[sample]``: the sample's class
    names, each once; ``class_states``: the encoded class prompts (None
    when no reader needs them, see :meth:`AttentionReader.needs_class_states`);
    ``text_states``: the encoded generation text; ``record_text``: also
    score the generation text; ``keep_attention``: record every source.
    """
    prompts: Sequence[Sequence['SamplePrompt']]
    names: Sequence[Sequence[str]]
    class_states: Optional[torch.Tensor]
    text_states: torch.Tensor
    record_text: bool
    keep_attention: bool


class Recording(Protocol):
    """A context manager around one pipeline call; afterwards, the maps.

    ``store``: the AttentionStore it records into, once entered (the
    calibration takes each timestep's sums from it)."""
    store: object

    def __enter__(self) -> 'Recording':
        ...

    def __exit__(self, *exc) -> Optional[bool]:
        ...

    def pipeline_kwargs(self) -> dict:
        """Extra arguments of the pipeline call (e.g. a step callback)."""

    def maps(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """(cross, self) averaged maps, (batch, queries, columns) each."""

    def columns(self) -> List[RecordedColumns]:
        """Where each sample's classes sit in its ``cross`` columns."""


class AttentionReader(Protocol):
    """One pipeline's recorder factory: image size, grids, text rule.

    Built once per generator as ``reader(pipeline, architecture, config)``.
    """
    text: object  # the text conditioning (its ``encode``, ``columns``...)
    height: int
    width: int
    cross_size: Size
    self_size: Size

    def needs_class_states(self, keep_attention: bool) -> bool:
        """Whether the batch must encode the class prompts."""

    def record(self, request: ReadRequest) -> Recording:
        """The recording of one batch (nothing installed until entered)."""
