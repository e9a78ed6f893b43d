"""Settings and results of labelled generation (what a config names and
what a sample carries), apart from the code that generates."""
from dataclasses import dataclass, fields
from typing import List, Optional, Sequence, Union

import numpy as np
import torch

from .labelling.attention_store import LAYER_WEIGHTINGS, STEP_WEIGHTINGS
from .labelling.refinement import NORMALISATIONS

DEFAULT_NEGATIVE_PROMPT = (
    'ugly, tiling, poorly drawn hands, poorly drawn feet, poorly drawn face, '
    'out of frame, extra limbs, disfigured, deformed, body out of frame, bad '
    'anatomy, watermark, signature, cut off, low contrast, underexposed, '
    'overexposed, bad art, beginner, amateur, distorted face')

LABEL_SOURCES = ('class_prompt', 'text', 'concept')
CONCEPT_MODULATIONS = ('zero_pooled', 'prompt')


@dataclass
class GenerationConfig:
    """Sampler and labelling settings (paper values by default).

    Attributes:
        num_inference_steps: denoising steps.
        guidance_scale: classifier-free guidance scale.
        negative_prompt: the unconditional text of guidance.
        height: image height in pixels; None: the model's native size.
        width: image width in pixels; None: the model's native size.
        append_class_prompt: write the class prompt after the caption in
            the generation text too (the paper's prompt).
        max_sequence_length: T5's length for SD3 / FLUX (None: the
            pipeline's, 256 / 512).
        progress_bar: diffusers' own bar over the denoising steps.
        cross_attention_factor: the grid cross-attention is read on, as a
            divisor of the latent (a power of 2): image side / (VAE factor
            x factor). With a VAE of factor 8 (SD, SDXL, SD3, FLUX), 4 is
            1/32 of the image side (16x16 at 512 px, 32x32 at 1024 px);
            a transformer pools its token grid (latent / 2) to it.
        self_attention_factor: the same for self-attention; 2 is 1/16 of
            the image side (32x32 at 512 px, 64x64 at 1024 px).
        dit_blocks: diffusion transformers: the joint blocks whose image
            -> text (and concept) attention is read, by name
            ('transformer_blocks.12') or joint index (12); None: the second
            half of the joint blocks.
        dit_self_blocks: the blocks whose image -> image attention is read
            (any block, FLUX's single-stream ones too); None: the last two
            of ``dit_blocks``.
        self_attention_chunk: DiT image queries per self-attention slice
            (memory only).
        label_source: which cross-attention the labels read:
            'class_prompt' (the paper's class-prompt cross-attention),
            'text' (the generation text's own attention to the class words
            it writes, the paper's ablation baseline; a class the text
            never names labels nothing) or, for SD3 / FLUX, 'concept'
            (ConceptAttention: class names as one-way concept tokens,
            scores in attention-output space, softmax over concepts).
        concept_background: ConceptAttention's background concepts (each
            sample's class names come first); a pixel goes to the concept
            of highest score.
        concept_modulation: the vector that modulates the concept tokens
            (the text stream's AdaLN): 'zero_pooled', the time (and
            guidance) embedding with a zero pooled text vector, as
            ConceptAttention's FLUX code does; 'prompt', the prompt's own
            conditioning vector, pooled CLIP included (mmdd before this
            setting; the authors' SD3 code).
        tau: the power of the self-attention refinement S^tau.
        foreground_threshold: a pixel whose best normalised score is at
            least this is labelled with that class.
        uncertain_threshold: below the foreground threshold and at least
            this, a pixel is uncertain (``ignore_index``); below, it is
            background.
        ignore_index: label of the uncertain region.
        step_weighting: beyond the paper (docs/method.md, "Labels beyond
            the paper"; each default is the paper's step): over denoising
            steps 'mean' or 'linear' (step t of T weighs t + 1: the later,
            less noisy steps more).
        layer_weighting: over the layers of a grid 'mean' or 'sharpness'
            (each layer's step average weighted by 1 / the mean entropy of
            its queries' attention).
        normalisation: per-class score normalisation, 'min_max' or 'max'
            (divide by the max).
        refined_weight: score = w * S^tau a + (1 - w) * a, both normalised
            (1: S^tau a only).
        guided_filter_radius: guided filter of the upsampled scores with
            the generated image (He et al. 2010): window radius in image
            pixels (0: off).
        guided_filter_eps: the guided filter's eps (guide in [0, 1]).
    """
    # Sampling: what the pipeline is asked for.
    num_inference_steps: int = 100
    guidance_scale: float = 7.5
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    height: Optional[int] = None
    width: Optional[int] = None
    append_class_prompt: bool = True
    max_sequence_length: Optional[int] = None
    progress_bar: bool = False
    # Read-out: which attention is recorded, on which grid.
    cross_attention_factor: int = 4
    self_attention_factor: int = 2
    dit_blocks: Optional[Sequence[Union[int, str]]] = None
    dit_self_blocks: Optional[Sequence[Union[int, str]]] = None
    self_attention_chunk: int = 1024
    # Labelling: the paper's maps -> labels.
    label_source: str = 'class_prompt'
    concept_background: Sequence[str] = ('background', )
    concept_modulation: str = 'zero_pooled'
    tau: int = 4
    foreground_threshold: float = 0.6
    uncertain_threshold: float = 0.5
    ignore_index: int = 255
    # Beyond the paper; each default is the paper's behaviour.
    step_weighting: str = 'mean'
    layer_weighting: str = 'mean'
    normalisation: str = 'min_max'
    refined_weight: float = 1.0
    guided_filter_radius: int = 0
    guided_filter_eps: float = 0.01

    def __post_init__(self) -> None:
        if self.num_inference_steps < 1:
            raise ValueError('num_inference_steps must be >= 1, got '
                             f'{self.num_inference_steps}')
        if self.label_source == 'concept' and not self.concept_background:
            raise ValueError('label_source=\'concept\' needs at least one '
                             'concept_background word, e.g. '
                             "('background',)")
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
        for name, allowed in (('concept_modulation', CONCEPT_MODULATIONS),
                              ('step_weighting', STEP_WEIGHTINGS),
                              ('layer_weighting', LAYER_WEIGHTINGS),
                              ('normalisation', NORMALISATIONS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f'{name} must be one of {allowed}, got '
                                 f'{getattr(self, name)!r}')
        if not 0 <= self.refined_weight <= 1:
            raise ValueError('refined_weight must be in [0, 1], got '
                             f'{self.refined_weight}')
        if self.guided_filter_radius < 0 or self.guided_filter_eps <= 0:
            raise ValueError(
                'guided_filter_radius must be >= 0 and guided_filter_eps '
                f'> 0, got {self.guided_filter_radius}, '
                f'{self.guided_filter_eps}')
        if not 0 < self.ignore_index <= 255:
            raise ValueError(
                f'ignore_index must be in 1..255, got {self.ignore_index}')

    def content_settings(self) -> dict:
        """The settings that decide a sample's content, for a cache's
        manifest: without the progress bar and the self-attention chunk
        (display and memory only), and without the diffusion-transformer
        and beyond-the-paper label settings while they keep their
        defaults (caches made before they existed stay valid; the guided
        filter's eps stays while the filter is on, and the concept
        modulation while concepts label: its default changed their
        labels)."""
        settings = {name: getattr(self, name) for name in MANIFEST_ORDER}
        for name in ('progress_bar', 'self_attention_chunk'):
            settings.pop(name)
        for name, default in DIT_DEFAULTS.items():
            value = settings[name]
            if (list(value) if isinstance(value,
                                          (list,
                                           tuple)) else value) == default:
                settings.pop(name)
        if self.label_source == 'concept':
            settings['concept_modulation'] = self.concept_modulation
        for name, default in LABEL_DEFAULTS.items():
            kept = name == 'guided_filter_eps' and self.guided_filter_radius
            if settings[name] == default and not kept:
                settings.pop(name)
        return settings


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
    concept_positions: Optional[List[List[int]]] = None  # DiT concepts

    def columns(self, source: str) -> List[List[int]]:
        """The token columns of each class for ``source`` (see
        :attr:`GenerationConfig.label_source`)."""
        columns = {
            'class_prompt': self.positions,
            'text': self.text_positions,
            'concept': self.concept_positions
        }[source]
        if columns is None:
            raise ValueError(
                f'the {source!r} attention was not recorded: generate with '
                f'label_source={source!r} or keep_attention=True (concept '
                'attention needs an SD3 or FLUX pipeline)')
        return columns


@dataclass
class GeneratedSample:
    image: np.ndarray  # H x W x 3 uint8 RGB
    label: np.ndarray  # H x W uint8 class ids, ignore_index = uncertain
    confidence: np.ndarray  # H x W float32 in [0, 1], the max refined score
    prompt: str  # the generation text (before any caption truncation)
    seed: int
    nsfw_flagged: bool = False  # blacked out by the checkpoint's checker
    attention: Optional[SampleAttention] = None  # with keep_attention=True


# The order a cache's manifest has always written the settings in (the
# fields' order before they were grouped): manifests stay byte-identical.
MANIFEST_ORDER = ('num_inference_steps', 'guidance_scale', 'negative_prompt',
                  'height', 'width', 'append_class_prompt', 'label_source',
                  'dit_blocks', 'dit_self_blocks', 'concept_background',
                  'concept_modulation', 'max_sequence_length',
                  'self_attention_chunk', 'tau', 'foreground_threshold',
                  'uncertain_threshold', 'ignore_index',
                  'cross_attention_factor', 'self_attention_factor',
                  'progress_bar', 'step_weighting', 'layer_weighting',
                  'normalisation', 'refined_weight', 'guided_filter_radius',
                  'guided_filter_eps')


def _defaults(*names: str) -> dict:
    """The dataclass's defaults of ``names``, tuples as lists (as a
    manifest's JSON reads them back)."""
    defaults = {f.name: f.default for f in fields(GenerationConfig)}
    return {
        name:
        list(defaults[name])
        if isinstance(defaults[name], tuple) else defaults[name]
        for name in names
    }


# Settings that leave a manifest while at their defaults, so that caches
# made before they existed stay valid: the diffusion-transformer ones...
DIT_DEFAULTS = _defaults('dit_blocks', 'dit_self_blocks', 'concept_background',
                         'concept_modulation', 'max_sequence_length')
# ...and the beyond-the-paper label settings (at the paper's behaviour).
LABEL_DEFAULTS = _defaults('step_weighting', 'layer_weighting',
                           'normalisation', 'refined_weight',
                           'guided_filter_radius', 'guided_filter_eps')
