"""What the generator reads from a UNet (SD 1.x/2.x, SDXL), and in which
columns: the class prompt's cross-attention on the ``cross_attention_factor``
grid, then (when recorded) the generation text's, and self-attention on the
``self_attention_factor`` grid (:mod:`.layers`, :mod:`.processors`)."""
from contextlib import ExitStack
from typing import List, Optional, Sequence, Tuple

import torch

from ..recording import CROSS, SELF, ReadRequest, RecordedColumns
from .layers import select_layers
from .processors import record_attention


class UNetReader:
    """Image size, recorded layers and text rule of one UNet pipeline
    (an :class:`~mmdd.diffusion.recording.AttentionReader`)."""

    def __init__(self, pipeline, architecture, config):
        self.pipeline, self.config = pipeline, config
        self.processor = architecture.processor
        self.text = architecture.conditioning(pipeline)
        scale = pipeline.vae_scale_factor
        native = pipeline.unet.config.sample_size * scale
        self.height = config.height or native
        self.width = config.width or native
        if config.label_source == 'concept':
            raise ValueError(
                "label_source='concept' reads a diffusion transformer's "
                f'joint attention; {type(pipeline).__name__} has a UNet. '
                "Use 'class_prompt' or an SD3 / FLUX checkpoint")
        if self.height % scale or self.width % scale:
            raise ValueError(
                f'height and width must be multiples of {scale}, got '
                f'{self.height}x{self.width}')
        latent = (self.height // scale, self.width // scale)
        cross = select_layers(pipeline.unet, latent, CROSS,
                              config.cross_attention_factor, scale)
        self_ = select_layers(pipeline.unet, latent, SELF,
                              config.self_attention_factor, scale)
        self.layers = cross + self_
        self.cross_size, self.self_size = cross[0].size, self_[0].size

    def needs_class_states(self, keep_attention: bool) -> bool:
        """Always: the class prompt's keys are what the cross layers score
        (with the generation text beside them for ``label_source='text'``,
        whose columns follow the class prompt's)."""
        return True

    def record(self, request: ReadRequest) -> 'UNetRecording':
        return UNetRecording(self, request)


class UNetRecording:
    """Recording processors on the reader's layers while entered."""

    def __init__(self, reader: UNetReader, request: ReadRequest):
        self.reader, self.request = reader, request
        self._stack = ExitStack()
        self.store = None

    def __enter__(self) -> 'UNetRecording':
        reader, request, config = self.reader, self.request, self.reader.config
        scored = ((request.class_states, request.text_states)
                  if request.record_text else request.class_states)
        self.store = self._stack.enter_context(
            record_attention(reader.pipeline.unet, reader.layers,
                             len(request.prompts), scored,
                             config.step_weighting, config.layer_weighting,
                             reader.processor))
        return self

    def __exit__(self, *exc) -> Optional[bool]:
        return self._stack.__exit__(*exc)

    def pipeline_kwargs(self) -> dict:
        return {}

    def maps(self) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.store.average(CROSS), self.store.average(SELF)

    def columns(self) -> List[RecordedColumns]:
        offset = self.request.class_states.shape[1]  # text columns follow
        return [
            _columns(prompts, names, self.reader.text,
                     self.request.record_text, offset)
            for prompts, names in zip(self.request.prompts, self.request.names)
        ]


def _columns(prompts, names: Sequence[str], text, record_text: bool,
             offset: int) -> RecordedColumns:
    """A sample's columns: the class prompt's, then the text's."""
    class_cols = text.columns(prompts, 'class')
    text_cols = text.columns(prompts, 'text') if record_text else None
    return RecordedColumns([class_cols[n] for n in names],
                           [[offset + p for p in text_cols[n]]
                            for n in names] if record_text else None, None)
