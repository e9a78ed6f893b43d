"""Images and their label maps from one Stable Diffusion denoising pass.

``LabelledImageGenerator.generate`` runs an unmodified diffusers
``StableDiffusionPipeline`` or ``StableDiffusionXLPipeline`` inside
:func:`~mmdd.diffusion.attention.record_attention` and turns the recorded
attention into labels (:mod:`mmdd.diffusion.labels`). Text is encoded as the
pipeline itself would (:mod:`mmdd.diffusion.conditioning`). Each sample has
its own ``torch.Generator`` (CPU, seeded with its seed), so a sample is the
same alone or in any batch.
"""
import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import diffusers
import numpy as np
import torch
from diffusers import (DiffusionPipeline, StableDiffusionPipeline,
                       StableDiffusionXLPipeline)

from mmdd.utils.precision import parse_dtype
from .attention import CROSS, SELF, record_attention, select_layers
from .class_tokens import SamplePrompt
from .conditioning import text_conditioning
from .labels import label_from_attention
from .model_check import check_model_folder
from .model_names import resolve_model_name

DEFAULT_NEGATIVE_PROMPT = (
    'ugly, tiling, poorly drawn hands, poorly drawn feet, poorly drawn face, '
    'out of frame, extra limbs, disfigured, deformed, body out of frame, bad '
    'anatomy, watermark, signature, cut off, low contrast, underexposed, '
    'overexposed, bad art, beginner, amateur, distorted face')

LABEL_SOURCES = ('class_prompt', 'text')


@dataclass
class GenerationConfig:
    """Sampler and labelling settings (paper values by default)."""
    num_inference_steps: int = 100
    guidance_scale: float = 7.5
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    height: Optional[int] = None  # default: the UNet's native size
    width: Optional[int] = None
    append_class_prompt: bool = True
    # Which cross-attention the labels read: 'class_prompt' (the paper's
    # class-prompt cross-attention) or 'text', the generation text's own
    # attention to the class words it writes (the paper's ablation
    # baseline; a class the text never names labels nothing).
    label_source: str = 'class_prompt'
    tau: int = 4
    foreground_threshold: float = 0.6
    uncertain_threshold: float = 0.5
    ignore_index: int = 255  # label of the uncertain region
    # Recorded layers: the latent / factor grid, i.e. image side / (8 x
    # factor) for SD and SDXL (VAE factor 8): cross-attention at 1/32 (16x16
    # at 512 px, 32x32 at 1024 px), self-attention at 1/16 (32x32, 64x64).
    cross_attention_factor: int = 4
    self_attention_factor: int = 2
    progress_bar: bool = False  # diffusers' own bar over denoising steps

    def __post_init__(self) -> None:
        if self.num_inference_steps < 1:
            raise ValueError('num_inference_steps must be >= 1, got '
                             f'{self.num_inference_steps}')
        if self.label_source not in LABEL_SOURCES:
            raise ValueError(f'label_source must be one of {LABEL_SOURCES}, '
                             f'got {self.label_source!r}')
        if self.tau < 0:
            raise ValueError(f'tau must be >= 0, got {self.tau}')
        if not (0 <= self.uncertain_threshold <= self.foreground_threshold <=
                1):
            raise ValueError(
                'thresholds must satisfy 0 <= uncertain_threshold <= '
                f'foreground_threshold <= 1, got uncertain_threshold='
                f'{self.uncertain_threshold}, foreground_threshold='
                f'{self.foreground_threshold}; swap or fix them')
        if not 0 < self.ignore_index <= 255:
            raise ValueError(
                f'ignore_index must be in 1..255, got {self.ignore_index}')


@dataclass
class SampleRequest:
    caption: str
    class_ids: List[int]  # into class_names; 0 (background) is implied
    seed: int


@dataclass
class SampleAttention:
    """One sample's averaged attention, enough to label it again.

    ``cross`` has a column per class-prompt token, then (when the text's
    own attention was recorded) a column per generation-text token.
    """
    cross: torch.Tensor  # (h_c * w_c, tokens)
    self_attention: torch.Tensor  # (h_s * w_s, h_s * w_s)
    positions: List[List[int]]  # class-prompt token columns per class
    class_ids: List[int]
    text_positions: Optional[List[List[int]]] = None  # text columns

    def columns(self, source: str) -> List[List[int]]:
        """The token columns of each class for ``source`` (see
        :attr:`GenerationConfig.label_source`)."""
        if source == 'class_prompt':
            return self.positions
        if self.text_positions is None:
            raise ValueError('the generation text\'s attention was not '
                             "recorded: generate with label_source='text' or "
                             'keep_attention=True')
        return self.text_positions


@dataclass
class GeneratedSample:
    image: np.ndarray  # H x W x 3 uint8 RGB
    label: np.ndarray  # H x W uint8 class ids, ignore_index = uncertain
    confidence: np.ndarray  # H x W float32 in [0, 1], the max refined score
    prompt: str  # the generation text (before any caption truncation)
    seed: int
    nsfw_flagged: bool = False  # blacked out by the checkpoint's checker
    attention: Optional[SampleAttention] = None  # with keep_attention=True


PIPELINE_CLASSES = (StableDiffusionPipeline, StableDiffusionXLPipeline)


def pipeline_class(model: str) -> type:
    """The pipeline class named by the model's ``model_index.json``."""
    name = DiffusionPipeline.load_config(model).get('_class_name')
    for cls in PIPELINE_CLASSES:
        if cls.__name__ == name:
            return cls
    raise ValueError(
        f'{model} is a {name}; mmdd generates with '
        f'{" or ".join(c.__name__ for c in PIPELINE_CLASSES)} checkpoints '
        '(SD 1.x/2.x or SDXL base)')


def load_pipeline(model: str, torch_dtype: Union[torch.dtype,
                                                 str] = torch.float32,
                  device: Union[str, torch.device] = 'cpu',
                  scheduler: Optional[str] = None) -> DiffusionPipeline:
    """An SD 1.x/2.x or SDXL pipeline from a hub id or a local folder.

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
    pipeline = cls.from_pretrained(model, dtype=torch_dtype)
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
    """Batches of (image, label, confidence) from an SD or SDXL pipeline.

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
        self.text = text_conditioning(pipeline)
        self.class_names = list(class_names)
        self.config = config
        scale = pipeline.vae_scale_factor
        native = pipeline.unet.config.sample_size * scale
        self.height = config.height or native
        self.width = config.width or native
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
        :meth:`label`).
        """
        if not requests:
            raise ValueError('generate() needs at least one SampleRequest')
        for request in requests:
            self._check(request)
        config, pipeline = self.config, self.pipeline
        # [sample][tokenizer]; positions and text from the first tokenizer.
        texts = [
            self.text.sample_prompts(
                r.caption, [self.class_names[i]
                            for i in r.class_ids], config.append_class_prompt)
            for r in requests
        ]
        prompts: List[SamplePrompt] = [t[0] for t in texts]
        by_tokenizer = list(zip(*texts))
        batch = len(requests)
        with torch.no_grad():
            text = self.text.encode([[p.text_ids for p in ps]
                                     for ps in by_tokenizer])
            # One per sample, as the pipelines encode it: a batch of one
            # can round differently (SDXL's pooled projection does).
            negative = self.text.encode([
                ids * batch
                for ids in self.text.negative_ids(config.negative_prompt)
            ])
            classes = self.text.encode([[p.class_prompt_ids for p in ps]
                                        for ps in by_tokenizer]).states
        record_text = keep_attention or config.label_source == 'text'
        texts_scored = (classes, text.states) if record_text else classes
        generators = [
            torch.Generator('cpu').manual_seed(r.seed) for r in requests
        ]
        with record_attention(pipeline.unet, self.layers, batch,
                              texts_scored) as store:
            output = pipeline(**self.text.pipeline_inputs(text, negative),
                              height=self.height, width=self.width,
                              num_inference_steps=config.num_inference_steps,
                              guidance_scale=config.guidance_scale,
                              generator=generators, output_type='np')
        cross, self_attention = store.average(CROSS), store.average(SELF)
        images = (output.images * 255).round().astype(np.uint8)
        # SDXL has no safety checker (and no such field).
        flagged = (
            getattr(output, 'nsfw_content_detected', None) or [False] * batch)
        samples = []
        for i, (request, prompt) in enumerate(zip(requests, prompts)):
            class_ids = list(dict.fromkeys(request.class_ids))
            names = [self.class_names[c] for c in class_ids]
            offset = classes.shape[1]  # text columns follow the class prompt
            attention = SampleAttention(
                cross[i], self_attention[i],
                [prompt.class_positions[n] for n in names], class_ids,
                [[offset + p for p in prompt.text_positions[n]]
                 for n in names] if record_text else None)
            label, confidence = self.label(attention)
            samples.append(
                GeneratedSample(
                    image=images[i], label=label, confidence=confidence,
                    prompt=prompt.text, seed=request.seed,
                    nsfw_flagged=bool(flagged[i]),
                    attention=attention if keep_attention else None))
        return samples

    def label(
            self, attention: SampleAttention, tau: Optional[int] = None,
            foreground_threshold: Optional[float] = None,
            uncertain_threshold: Optional[float] = None,
            label_source: Optional[str] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """Label and confidence from recorded attention; settings left as
        None come from the generator's config (for ablations: one
        denoising pass, many labellings)."""
        config = self.config
        columns = attention.columns(label_source or config.label_source)
        label, confidence = label_from_attention(
            attention.cross, attention.self_attention, columns,
            attention.class_ids, self.cross_size, self.self_size,
            (self.height, self.width), config.tau if tau is None else tau,
            (config.foreground_threshold
             if foreground_threshold is None else foreground_threshold),
            (config.uncertain_threshold if uncertain_threshold is None else
             uncertain_threshold), config.ignore_index)
        return label.cpu().numpy(), confidence.cpu().numpy()
