"""Images and their label maps from one diffusion denoising pass.

``LabelledImageGenerator.generate`` runs an unmodified diffusers
``StableDiffusionPipeline`` or ``StableDiffusionXLPipeline`` inside
:func:`~mmdd.diffusion.unet.processors.record_attention`, or a
``StableDiffusion3Pipeline`` or ``FluxPipeline`` inside
:func:`~mmdd.diffusion.dit.processors.record_dit_attention`
(:mod:`mmdd.diffusion.dit.reader`), and turns the recorded attention
into labels (:mod:`mmdd.diffusion.labelling.labels`). Text is encoded as
the pipeline itself would (:mod:`mmdd.diffusion.conditioning`). Each sample has
its own ``torch.Generator`` (CPU, seeded with its seed), so a sample is the
same alone or in any batch.
"""
import os
from typing import List, Optional, Sequence, Tuple, Union

import diffusers
import numpy as np
import torch
from diffusers import (DiffusionPipeline, FluxPipeline,
                       StableDiffusion3Pipeline, StableDiffusionPipeline,
                       StableDiffusionXLPipeline)

from mmdd.utils.precision import parse_dtype
from .conditioning import text_conditioning
from .dit.reader import DiTReader, RecordedColumns, joined_maps
from .generation_config import DEFAULT_NEGATIVE_PROMPT  # noqa: F401
from .generation_config import (GeneratedSample, GenerationConfig,
                                SampleAttention, SampleRequest)
from .labelling.labels import label_from_attention
from .models.check import check_model_folder
from .models.names import resolve_model_name
from .unet.processors import CROSS, SELF, record_attention, select_layers

PIPELINE_CLASSES = (StableDiffusionPipeline, StableDiffusionXLPipeline,
                    StableDiffusion3Pipeline, FluxPipeline)


def pipeline_class(model: str) -> type:
    """The pipeline class named by the model's ``model_index.json``."""
    name = DiffusionPipeline.load_config(model).get('_class_name')
    for cls in PIPELINE_CLASSES:
        if cls.__name__ == name:
            return cls
    raise ValueError(
        f'{model} is a {name}; mmdd generates with '
        f'{" or ".join(c.__name__ for c in PIPELINE_CLASSES)} checkpoints '
        '(SD 1.x/2.x, SDXL base, SD3 / SD3.5 or FLUX.1)')


def _absent_parts(model: str) -> dict:
    """The parts a ``model_index.json`` names as ``[null, null]`` (e.g.
    an SD3 model saved without T5), passed as ``None``: diffusers loads
    them only when a caller names them."""
    index = DiffusionPipeline.load_config(model)
    return {
        name: None
        for name, value in index.items()
        if not name.startswith('_') and value in ([None, None], (None, None))
    }


def load_pipeline(model: str, torch_dtype: Union[torch.dtype,
                                                 str] = torch.float32,
                  device: Union[str, torch.device] = 'cpu',
                  scheduler: Optional[str] = None) -> DiffusionPipeline:
    """An SD 1.x/2.x, SDXL, SD3 / SD3.5 or FLUX.1 pipeline from a hub id
    or a local folder.

    ``torch_dtype``: a torch dtype or one of ``fp32``, ``fp16``, ``bf16``.
    ``scheduler``: a diffusers scheduler class name compatible with the
    checkpoint (e.g. ``DPMSolverMultistepScheduler``), built from the
    checkpoint's scheduler config; ``None`` keeps the checkpoint's own.
    """
    model = resolve_model_name(model)
    torch_dtype = parse_dtype(torch_dtype, device)
    _check_local_model(model)
    cls = pipeline_class(model)
    if os.path.isdir(os.path.expanduser(str(model))):
        check_model_folder(model)  # every part named when missing
    pipeline = cls.from_pretrained(model, dtype=torch_dtype,
                                   **_absent_parts(model))
    if scheduler is not None:
        compatible = sorted(cls.__name__
                            for cls in pipeline.scheduler.compatibles)
        if scheduler not in compatible:
            raise ValueError(f'scheduler {scheduler!r} does not fit {model}; '
                             f'choose one of {compatible}')
        pipeline.scheduler = getattr(diffusers, scheduler).from_config(
            pipeline.scheduler.config)
    return pipeline.to(device)


def _check_local_model(model: str) -> None:
    """A missing local folder fails here, not as a hub lookup.

    Hub ids are ``owner/name``; anything else (more slashes, ``./``, ``/``,
    ``~``) is a path.
    """
    path = os.path.expanduser(str(model))
    looks_local = (
        path.count('/') != 1 or path.startswith(('.', '/'))
        or str(model).startswith('~'))
    if looks_local and not os.path.isdir(path):
        raise FileNotFoundError(
            f'model folder {model!r} does not exist (relative paths start '
            f'at the working directory, {os.getcwd()}). Pass an existing '
            'diffusers folder or a hub id such as '
            '"stabilityai/stable-diffusion-2-1-base"; the shapes model that '
            'ships with mmdd is named "mmdd::shapes-t2i".')


class LabelledImageGenerator:
    """Batches of (image, label, confidence) from an SD, SDXL, SD3 / SD3.5
    or FLUX.1 pipeline.

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
        self.text = text_conditioning(pipeline, config.max_sequence_length)
        self.class_names = list(class_names)
        self.config = config
        scale = pipeline.vae_scale_factor
        self.dit: Optional[DiTReader] = None
        if hasattr(pipeline, 'transformer'):
            native = (getattr(pipeline.transformer.config, 'sample_size', None)
                      or pipeline.default_sample_size) * scale
        else:
            native = pipeline.unet.config.sample_size * scale
        self.height = config.height or native
        self.width = config.width or native
        if hasattr(pipeline, 'transformer'):
            self.dit = DiTReader(pipeline, self.text, config, self.height,
                                 self.width)
            self.cross_size = self.dit.cross_size
            self.self_size = self.dit.self_size
        else:
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
        config, pipeline = self.config, self.pipeline
        names = [[self.class_names[i] for i in dict.fromkeys(r.class_ids)]
                 for r in requests]
        # [sample][tokenizer]; the generation text as the first one writes.
        texts = [
            self.text.sample_prompts(
                r.caption, [self.class_names[i]
                            for i in r.class_ids], config.append_class_prompt)
            for r in requests
        ]
        by_tokenizer = list(zip(*texts))
        batch = len(requests)
        source = config.label_source
        record_text = keep_attention or source == 'text'
        record_class = self.dit is None or keep_attention or (
            source == 'class_prompt')
        with torch.no_grad():
            text = self.text.encode([[p.text_ids for p in ps]
                                     for ps in by_tokenizer])
            # One per sample, as the pipelines encode it: a batch of one
            # can round differently (SDXL's pooled projection does).
            negative = self.text.encode([
                ids * batch
                for ids in self.text.negative_ids(config.negative_prompt)
            ]) if self.text.uses_negative else None
            classes = self.text.encode([[p.class_prompt_ids for p in ps]
                                        for ps in by_tokenizer
                                        ]).states if record_class else None
            if self.dit is not None:
                concepts = ([
                    n + list(config.concept_background) for n in names
                ] if keep_attention or source == 'concept' else None)
                side = self.dit.side_stream(texts, classes, concepts)
                recording = self.dit.record(batch, side, record_text)
            else:
                scored = (classes, text.states) if record_text else classes
                recording = record_attention(pipeline.unet, self.layers, batch,
                                             scored, config.step_weighting,
                                             config.layer_weighting)
        generators = [
            torch.Generator('cpu').manual_seed(r.seed) for r in requests
        ]
        with recording as store:
            if self.dit is not None:  # the recorder's store, unused yet
                store.store.step_weighting = config.step_weighting
                store.store.layer_weighting = config.layer_weighting
            # A DiT recorder reads the first transformer call of each step.
            steps = {} if self.dit is None else dict(
                callback_on_step_end=store.end_step)
            output = pipeline(**self.text.pipeline_inputs(text, negative),
                              height=self.height, width=self.width,
                              num_inference_steps=config.num_inference_steps,
                              guidance_scale=config.guidance_scale,
                              generator=generators, output_type='np', **steps)
        if self.dit is not None:
            averages = store.averages()
            cross, self_attention = joined_maps(averages), averages[SELF]
            columns = [
                self.dit.columns(t, n, side, record_text, texts)
                for t, n in zip(texts, names)
            ]
        else:
            cross, self_attention = store.average(CROSS), store.average(SELF)
            offset = classes.shape[1]  # text columns follow the class prompt
            columns = [
                _unet_columns(t, n, self.text, record_text, offset)
                for t, n in zip(texts, names)
            ]
        images = (output.images * 255).round().astype(np.uint8)
        # Only SD 1.x/2.x checkpoints have a safety checker (and the field).
        flagged = (
            getattr(output, 'nsfw_content_detected', None) or [False] * batch)
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


def _unet_columns(prompts, names, text, record_text: bool,
                  offset: int) -> RecordedColumns:
    """A UNet sample's columns: the class prompt's, then the text's."""
    class_cols = text.columns(prompts, 'class')
    text_cols = text.columns(prompts, 'text') if record_text else None
    return RecordedColumns([class_cols[n] for n in names],
                           [[offset + p for p in text_cols[n]]
                            for n in names] if record_text else None, None)
