"""What :class:`~mmdd.diffusion.generator.LabelledImageGenerator` reads from
a diffusion transformer (SD3 / SD3.5, FLUX.1), and in which columns.

One recorded pass gives, per sample, a ``cross`` matrix whose columns are
(in this order, each group present when recorded):

1. the class prompt's tokens (the paper's class-prompt cross-attention,
   through the side stream, :mod:`mmdd.diffusion.dit.side_stream`);
2. the generation text's tokens (the image -> text block);
3. one column per concept (ConceptAttention): the sample's classes, then
   the background concepts.

and an image -> image ``self`` matrix. A concept token is the text
encoders' states of the class name encoded alone, averaged over the name's
token columns (all of them: SD3 writes a name in its CLIP and T5 parts;
ConceptAttention keeps a name's first T5 piece, see dit_side_stream).
"""
from contextlib import ExitStack
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from ..conditioning import SamplePrompt
from ..recording import CROSS, SELF, ReadRequest, RecordedColumns
from .layers import pooling, select_blocks
from .processors import record_dit_attention
from .recorder import CLASS_GROUP, CONCEPT, CONCEPT_GROUP, DiTRecorder
from .side_stream import SideStream

SELF_BLOCKS = 2  # default image -> image blocks: the last read ones


class DiTReader:
    """Image size, block choice, grids and side tokens for one pipeline and
    config (an :class:`~mmdd.diffusion.recording.AttentionReader`)."""

    def __init__(self, pipeline, architecture, config):
        transformer = pipeline.transformer
        self.transformer, self.config = transformer, config
        self.processor = architecture.processor
        self.text = architecture.conditioning(pipeline,
                                              config.max_sequence_length)
        scale = pipeline.vae_scale_factor
        native = (getattr(transformer.config, 'sample_size', None)
                  or pipeline.default_sample_size) * scale
        self.height = height = config.height or native
        self.width = width = config.width or native
        patch = transformer.config.patch_size * self.processor.latent_packing
        if height % (scale * patch) or width % (scale * patch):
            raise ValueError(
                f'height and width must be multiples of {scale * patch} '
                f'for this transformer, got {height}x{width}')
        self.grid = (height // scale // patch, width // scale // patch)
        self.cross_pool = pooling(self.grid, config.cross_attention_factor,
                                  patch, 'cross_attention_factor')
        self.self_pool = pooling(self.grid, config.self_attention_factor,
                                 patch, 'self_attention_factor')
        self.cross_size = tuple(n // self.cross_pool for n in self.grid)
        self.self_size = tuple(n // self.self_pool for n in self.grid)
        self.cross_blocks = select_blocks(transformer, config.dit_blocks,
                                          'dit_blocks', joint_only=True)
        # Image -> image costs about 2 N^2 d per read block (N = 4096 tokens
        # at 1024 px): by default only the last two read blocks.
        self.self_blocks = (
            self.cross_blocks[-SELF_BLOCKS:]
            if config.dit_self_blocks is None else select_blocks(
                transformer, config.dit_self_blocks, 'dit_self_blocks'))
        self._concepts: Dict[str, torch.Tensor] = {}

    def concept_token(self, name: str) -> torch.Tensor:
        """The (dim,) token of one concept, encoded once and kept."""
        if name not in self._concepts:
            prompts = self.text.sample_prompts(name, [name], False)
            states = self.text.encode([[p.class_prompt_ids]
                                       for p in prompts]).states[0]
            columns = self.text.columns(prompts, 'class')[name]
            self._concepts[name] = states[columns].mean(dim=0)
        return self._concepts[name]

    def side_stream(
        self, prompts: Sequence[Sequence[SamplePrompt]],
        class_states: Optional[torch.Tensor],
        concept_names: Optional[Sequence[Sequence[str]]]
    ) -> Optional[SideStream]:
        """The side stream's groups: the class prompts' columns that hold
        tokens in some sample, and the concepts, padded to the batch's
        longest list (masks mark each sample's real tokens)."""
        tokens, masks = {}, {}
        if class_states is not None:
            keep = self.text.meaningful_columns(prompts)
            tokens[CLASS_GROUP] = class_states[:, keep]
            own = [set(self.text.meaningful_columns([p])) for p in prompts]
            masks[CLASS_GROUP] = torch.tensor([[c in columns for c in keep]
                                               for columns in own])
        if concept_names is not None:
            width = max(len(names) for names in concept_names)
            rows = []
            for names in concept_names:
                row = [self.concept_token(n) for n in names]
                row += [torch.zeros_like(row[0])] * (width - len(row))
                rows.append(torch.stack(row))
            tokens[CONCEPT_GROUP] = torch.stack(rows)
            masks[CONCEPT_GROUP] = torch.tensor(
                [[k < len(names) for k in range(width)]
                 for names in concept_names])
        zero_pooled = ((CONCEPT_GROUP, ) if self.config.concept_modulation
                       == 'zero_pooled' else ())
        return SideStream(tokens, masks, zero_pooled) if tokens else None

    def needs_class_states(self, keep_attention: bool) -> bool:
        """Only when the class prompt's attention is read (the side
        stream carries it)."""
        return keep_attention or self.config.label_source == 'class_prompt'

    def record(self, request: ReadRequest) -> 'DiTRecording':
        """The side stream is built here (its concept tokens encoded), the
        processors only when the recording is entered."""
        concepts = ([
            names + list(self.config.concept_background)
            for names in request.names
        ] if request.keep_attention or self.config.label_source == 'concept'
                    else None)
        side = self.side_stream(request.prompts, request.class_states,
                                concepts)
        return DiTRecording(self, request, side)

    def columns(
            self, prompts: Sequence[SamplePrompt], names: Sequence[str],
            side: Optional[SideStream], record_text: bool,
            batch_prompts: Sequence[Sequence[SamplePrompt]]
    ) -> RecordedColumns:
        """Where each of ``names`` sits in one sample's ``cross`` matrix."""
        class_cols = text_cols = concept_cols = None
        width = 0
        if side is not None and CLASS_GROUP in side.tokens:
            keep = self.text.meaningful_columns(batch_prompts)
            index = {c: i for i, c in enumerate(keep)}
            by_name = self.text.columns(prompts, 'class')
            class_cols = [[index[c] for c in by_name[n]] for n in names]
            width = len(keep)
        if record_text:
            by_name = self.text.columns(prompts, 'text')
            text_cols = [[width + c for c in by_name[n]] for n in names]
            width += self.text.sequence_length
        if side is not None and CONCEPT_GROUP in side.tokens:
            concept_cols = [[width + k] for k in range(len(names))]
        return RecordedColumns(class_cols, text_cols, concept_cols)


class DiTRecording:
    """A :class:`DiTRecorder` and its processors while entered; only the
    first transformer call of each step is read (the pipeline's
    ``callback_on_step_end`` ends a step)."""

    def __init__(self, reader: DiTReader, request: ReadRequest,
                 side: Optional[SideStream]):
        self.reader, self.request, self.side = reader, request, side
        self._stack = ExitStack()
        self.recorder: Optional[DiTRecorder] = None

    def __enter__(self) -> 'DiTRecording':
        reader, config = self.reader, self.reader.config
        recorder = DiTRecorder(
            len(self.request.prompts), reader.grid, reader.cross_pool,
            reader.self_pool, reader.cross_blocks, reader.self_blocks,
            self.request.record_text, self.side, config.self_attention_chunk)
        recorder.store.step_weighting = config.step_weighting
        recorder.store.layer_weighting = config.layer_weighting
        self.recorder = self._stack.enter_context(
            record_dit_attention(reader.transformer, recorder,
                                 reader.processor))
        return self

    def __exit__(self, *exc) -> Optional[bool]:
        return self._stack.__exit__(*exc)

    @property
    def store(self):
        """The recorder's AttentionStore (as ``UNetRecording.store``)."""
        return self.recorder.store

    def pipeline_kwargs(self) -> dict:
        return dict(callback_on_step_end=self.recorder.end_step)

    def maps(self) -> Tuple[torch.Tensor, torch.Tensor]:
        averages = self.recorder.averages()
        return joined_maps(averages), averages[SELF]

    def columns(self) -> List[RecordedColumns]:
        request = self.request
        return [
            self.reader.columns(prompts, names, self.side, request.record_text,
                                request.prompts)
            for prompts, names in zip(request.prompts, request.names)
        ]


def joined_maps(averages: Dict[str, torch.Tensor]) -> torch.Tensor:
    """``cross`` then ``concept`` columns side by side, (B, N, columns)."""
    parts = [averages[k] for k in (CROSS, CONCEPT) if k in averages]
    return torch.cat(parts, dim=-1)
