"""Images and their label maps from one diffusion denoising pass.

``LabelledImageGenerator.generate`` runs an unmodified diffusers pipeline
inside the recording of its architecture's attention reader (the row of
:mod:`mmdd.diffusion.architectures`: :mod:`mmdd.diffusion.unet` for SD and
SDXL, :mod:`mmdd.diffusion.dit` for SD3 and FLUX; the interface is
:mod:`mmdd.diffusion.recording`) and turns the recorded attention into
labels (:mod:`mmdd.diffusion.labelling.labels`). Text is encoded as the
pipeline itself would (:mod:`mmdd.diffusion.conditioning`). Each sample has
its own ``torch.Generator`` (CPU, seeded with its seed), so a sample is the
same alone or in any batch.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from diffusers import DiffusionPipeline

from .architectures import architecture_of
from .generation_config import DEFAULT_NEGATIVE_PROMPT  # noqa: F401
from .generation_config import (GeneratedSample, GenerationConfig,
                                SampleAttention, SampleRequest)
from .labelling.labels import label_from_attention
from .recording import ReadRequest, RecordedColumns


class LabelledImageGenerator:
    """Batches of (image, label, confidence) from a pipeline of
    :data:`~mmdd.diffusion.architectures.ARCHITECTURES` (SD, SDXL, SD3 /
    SD3.5, FLUX.1); any other pipeline is refused by name.

    ``class_names[0]`` is the background; request class ids index the list.
    """

    def __init__(self, pipeline: DiffusionPipeline, class_names: Sequence[str],
                 config: GenerationConfig):
        if len(class_names) < 2:
            raise ValueError('class_names needs the background and at least '
                             f'one class, got {list(class_names)}')
        if len(set(class_names)) != len(class_names):
            raise ValueError(f'class_names repeat a name: {list(class_names)}')
        if len(class_names) > config.ignore_index:
            raise ValueError(
                f'{len(class_names)} classes do not fit below ignore_index '
                f'{config.ignore_index}')
        self.pipeline = pipeline
        self.architecture = architecture_of(pipeline)
        self.reader = self.architecture.reader(pipeline, self.architecture,
                                               config)
        self.text = self.reader.text
        self.class_names = list(class_names)
        self.config = config
        self.height, self.width = self.reader.height, self.reader.width
        self.cross_size = self.reader.cross_size
        self.self_size = self.reader.self_size
        pipeline.set_progress_bar_config(disable=not config.progress_bar)

    def _check(self, request: SampleRequest) -> None:
        for class_id in request.class_ids:
            if not 0 < class_id < len(self.class_names):
                raise ValueError(
                    f'class id {class_id} in request {request.caption!r} is '
                    f'not a class: use 1..{len(self.class_names) - 1} '
                    '(indices into class_names; 0, the background, is '
                    'implied and never listed)')

    def generate(self, requests: Sequence[SampleRequest],
                 keep_attention: bool = False) -> List[GeneratedSample]:
        """Generate one batch; samples come back in request order.

        ``keep_attention``: attach each sample's averaged attention (see
        :meth:`label`), every label source's columns recorded.
        """
        if not requests:
            raise ValueError('generate() needs at least one SampleRequest')
        for request in requests:
            self._check(request)
        config = self.config
        names = [[self.class_names[i] for i in dict.fromkeys(r.class_ids)]
                 for r in requests]
        # [sample][tokenizer]; the generation text as the first one writes.
        texts = [
            self.text.sample_prompts(
                r.caption, [self.class_names[i] for i in r.class_ids],
                config.append_class_prompt, config.label_source)
            for r in requests
        ]
        with torch.no_grad():
            text, negative, classes = self._encode(texts, keep_attention)
            recording = self.reader.record(
                ReadRequest(texts, names, classes, text.states, keep_attention
                            or config.label_source == 'text', keep_attention))
        generators = [
            torch.Generator('cpu').manual_seed(r.seed) for r in requests
        ]
        with recording:
            output = self.pipeline(
                **self.text.pipeline_inputs(text, negative),
                height=self.height, width=self.width,
                num_inference_steps=config.num_inference_steps,
                guidance_scale=config.guidance_scale, generator=generators,
                output_type='np', **recording.pipeline_kwargs())
        return self._samples(requests, names, texts, output, recording.maps(),
                             recording.columns(), keep_attention)

    def _encode(self, texts, keep_attention: bool) -> tuple:
        """The generation text, the negative prompt (None when the
        pipeline takes none) and the class prompts (None when the reader
        does not read them), each encoded as the batch."""
        batch = len(texts)
        by_tokenizer = list(zip(*texts))
        text = self.text.encode([[p.text_ids for p in ps]
                                 for ps in by_tokenizer])
        # One per sample, as the pipelines encode it: a batch of one
        # can round differently (SDXL's pooled projection does).
        negative = self.text.encode([
            ids * batch
            for ids in self.text.negative_ids(self.config.negative_prompt)
        ]) if self.text.uses_negative else None
        classes = self.text.encode([
            [p.class_prompt_ids for p in ps] for ps in by_tokenizer
        ]).states if self.reader.needs_class_states(keep_attention) else None
        return text, negative, classes

    def _samples(self, requests: Sequence[SampleRequest],
                 names: List[List[str]], texts, output,
                 maps: Tuple[torch.Tensor,
                             torch.Tensor], columns: List[RecordedColumns],
                 keep_attention: bool) -> List[GeneratedSample]:
        """Each sample's image, label and confidence, in request order."""
        cross, self_attention = maps
        images = (output.images * 255).round().astype(np.uint8)
        # Only SD 1.x/2.x checkpoints have a safety checker (and the field).
        flagged = (
            getattr(output, 'nsfw_content_detected', None)
            or [False] * len(requests))
        samples = []
        for i, (request, column) in enumerate(zip(requests, columns)):
            attention = SampleAttention(
                cross[i], self_attention[i], column.class_prompt,
                [self.class_names.index(n)
                 for n in names[i]], column.text, column.concept)
            label, confidence = self.label(attention, image=images[i])
            samples.append(
                GeneratedSample(
                    image=images[i], label=label, confidence=confidence,
                    prompt=texts[i][0].text, seed=request.seed,
                    nsfw_flagged=bool(flagged[i]),
                    attention=attention if keep_attention else None))
        return samples

    def label(
        self, attention: SampleAttention, tau: Optional[int] = None,
        foreground_threshold: Optional[float] = None,
        uncertain_threshold: Optional[float] = None,
        label_source: Optional[str] = None, image: Optional[np.ndarray] = None,
        config: Optional[GenerationConfig] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Label and confidence from recorded attention; settings left as
        None come from ``config`` or the generator's config (for
        ablations: one denoising pass, many labellings; the step and layer
        weightings are the recording's). ``image``: the sample's image,
        for the guided filter."""
        config = config or self.config
        columns = attention.columns(label_source or config.label_source)
        label, confidence = label_from_attention(
            attention.cross, attention.self_attention, columns,
            attention.class_ids, self.cross_size, self.self_size,
            (self.height, self.width), config.tau if tau is None else tau,
            (config.foreground_threshold
             if foreground_threshold is None else foreground_threshold),
            (config.uncertain_threshold
             if uncertain_threshold is None else uncertain_threshold),
            config.ignore_index, config.normalisation, config.refined_weight,
            image, config.guided_filter_radius, config.guided_filter_eps)
        return label.cpu().numpy(), confidence.cpu().numpy()
