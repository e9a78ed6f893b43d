"""Choose the read-out on a few labelled real images.

``calibrate(pipeline, classes, images, masks)`` records each image once
per timestep (:mod:`.inversion`), then searches the candidates
(:mod:`.candidates`, :mod:`.blocks`) by label mIoU (:mod:`.scoring`) on
one half of the images (validation, the even indices) and reports the
other half (test, the odd ones) for the config's settings and the
chosen ones, so overfitting shows. No candidate costs a denoiser pass.
"""
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from mmdd.diffusion.labelling.confusion import LabelScore
from mmdd.utils.progress import progress_bar
from ..generation_config import GenerationConfig, SampleAttention
from ..generator import LabelledImageGenerator
from .blocks import block_layout, block_names
from .candidates import (Candidate, FamilyRow, coordinate_descent, key,
                         label_families)
from .inversion import InvertedImage, invert, read_steps
from .readout import candidate_attention
from .scoring import Labeller

# The GenerationConfig fields a search may change (besides the blocks).
LABEL_FIELDS = ('label_source', 'step_weighting', 'layer_weighting', 'tau',
                'refined_weight', 'normalisation', 'guided_filter_radius',
                'guided_filter_eps', 'foreground_threshold',
                'uncertain_threshold')
BLOCK_FIELDS = ('dit_blocks', 'dit_self_blocks')
THRESHOLDS = ('foreground_threshold', 'uncertain_threshold')


@dataclass
class Example:
    """One test image, its mask and both labellings (for pictures)."""
    image: np.ndarray
    mask: np.ndarray
    config_label: np.ndarray
    calibrated_label: np.ndarray


@dataclass
class CalibrationResult:
    settings: Dict[str, object]  # GenerationConfig fields to write
    config: GenerationConfig  # the given config with ``settings``
    base: Candidate  # the searched fields as the config sets them
    chosen: Candidate  # ... as calibrated
    val: Dict[str, LabelScore]  # 'config' and 'calibrated'
    test: Dict[str, LabelScore]
    candidates_scored: int
    denoiser_passes: int
    read_steps: List[int]  # of a num_inference_steps schedule
    splits: Dict[str, List[int]] = field(default_factory=dict)  # image ids
    tables: Dict[str, List[FamilyRow]] = field(default_factory=dict)
    examples: List[Example] = field(default_factory=list)


def recording_config(config: GenerationConfig, layout,
                     steps: int) -> Tuple[GenerationConfig, List[int]]:
    """The config the inversion records with (every joint block, the
    self windows, per-layer sums, a schedule long enough to read
    ``steps`` of it) and the steps it reads."""
    schedule = max(config.num_inference_steps, 2 * steps)
    changes = dict(num_inference_steps=schedule, step_weighting='mean',
                   layer_weighting='sharpness', progress_bar=False)
    if layout is not None:
        changes.update(dit_blocks=layout.joint,
                       dit_self_blocks=layout.recorded_self())
    return replace(config, **changes), read_steps(schedule, steps)


def _check(classes: Sequence[str], images: Sequence[np.ndarray],
           masks: Sequence[np.ndarray], captions, ignore_index: int) -> None:
    if len(images) != len(masks):
        raise ValueError(f'{len(images)} images but {len(masks)} masks: '
                         'give one mask per image')
    if len(images) < 2:
        raise ValueError('calibration needs at least 2 labelled images (one '
                         f'to choose on, one to test on), got {len(images)}')
    if captions is not None and len(captions) != len(images):
        raise ValueError(f'{len(captions)} captions for {len(images)} '
                         'images: give one per image, or none')
    for i, (image, mask) in enumerate(zip(images, masks)):
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f'image {i}: an H x W x 3 RGB array, got shape '
                             f'{image.shape}')
        if mask.shape != image.shape[:2]:
            raise ValueError(f'image {i} is {image.shape[:2]} but its mask '
                             f'{mask.shape}: they must have the same size')
        bad = sorted(
            set(np.unique(mask).tolist()) - set(range(len(classes))) -
            {ignore_index})
        if bad:
            raise ValueError(
                f'mask {i} holds class index(es) {bad}, beyond the '
                f'{len(classes)} classes {list(classes)} (0 the background, '
                f'{ignore_index} ignored): give the class list the masks '
                'were made with')


def _resized(array: np.ndarray, size: Tuple[int, int], resample) -> np.ndarray:
    height, width = size
    if array.shape[:2] == (height, width):
        return np.ascontiguousarray(array)
    return np.array(Image.fromarray(array).resize((width, height), resample))


class _Readouts:
    """Each image's attention per readout key, the last few kept."""

    def __init__(self, inverted: Sequence[InvertedImage], keep: int = 6):
        self.inverted, self.keep = inverted, keep
        self.cache: Dict[tuple, List[SampleAttention]] = {}

    def __call__(self, candidate: Candidate) -> List[SampleAttention]:
        cross = candidate.get('dit_blocks')
        self_ = candidate.get('dit_self_blocks')
        key = (tuple(cross or ()), tuple(self_ or ()),
               candidate['step_weighting'], candidate['layer_weighting'])
        if key not in self.cache:
            if len(self.cache) >= self.keep:
                self.cache.clear()
            self.cache[key] = [
                candidate_attention(inv, block_names(cross),
                                    block_names(self_),
                                    candidate['step_weighting'],
                                    candidate['layer_weighting'])
                for inv in self.inverted
            ]
        return self.cache[key]


def calibrate(pipeline, classes: Sequence[str], images: Sequence[np.ndarray],
              masks: Sequence[np.ndarray],
              captions: Optional[Sequence[Optional[str]]] = None,
              config: Optional[GenerationConfig] = None, steps: int = 4,
              rounds: int = 2, seed: int = 0, batch_size: int = 1,
              uncertain: str = 'miss', num_examples: int = 4,
              progress: bool = False) -> CalibrationResult:
    """Calibrate the label read-out of ``pipeline`` on labelled images.

    ``classes``: index 0 the background; ``images``: H x W x 3 uint8 RGB;
    ``masks``: H x W class indices (``config.ignore_index`` ignored);
    ``captions``: one per image (None: its class names); ``config``: the
    settings to start from (the paper's by default); ``steps``: timesteps
    read per image; ``seed``: of image i's noise (``seed + i``);
    ``batch_size``: images per denoiser pass (passes = ceil(images /
    batch_size) x steps); ``uncertain``: how uncertain pixels score
    (:mod:`.scoring`). Images and masks are resized to the generator's
    size (bicubic / nearest).
    """
    config = config or GenerationConfig()
    _check(classes, images, masks, captions, config.ignore_index)
    layout = block_layout(
        LabelledImageGenerator(pipeline, classes, config).reader)
    record, read = recording_config(config, layout, steps)
    generator = LabelledImageGenerator(pipeline, classes, record)
    size = (generator.height, generator.width)
    images = [_resized(im, size, Image.BICUBIC) for im in images]
    masks = [_resized(m.astype(np.uint8), size, Image.NEAREST) for m in masks]
    ids = [
        sorted(set(np.unique(m).tolist()) - {0, config.ignore_index})
        for m in masks
    ]
    for i, image_ids in enumerate(ids):
        if not image_ids:
            raise ValueError(f'mask {i} holds no class but the background: '
                             'leave that image out')
    captions = captions or [None] * len(images)
    inverted = []
    bar = progress_bar(
        total=len(images), desc='invert', disable=not progress, unit='img')
    for start in range(0, len(images), batch_size):
        batch = slice(start, start + batch_size)
        inverted += invert(generator, images[batch], ids[batch],
                           captions[batch],
                           [seed + i for i in range(len(images))][batch], read)
        bar.update(len(images[batch]))
    bar.close()
    val, test = list(range(0, len(images), 2)), list(range(1, len(images), 2))
    readouts = _Readouts(inverted)
    columns = inverted[0].columns
    sources = [
        s for s in ('class_prompt', 'text', 'concept')
        if getattr(columns, s) is not None
    ]
    families = label_families(min(size), sources)
    base = {name: getattr(config, name) for name in LABEL_FIELDS}
    if layout is not None:
        families = families[:1] + layout.families() + families[1:]
        base.update(dit_blocks=layout.cross,
                    dit_self_blocks=layout.self_blocks)

    labeller = Labeller(generator, images, masks, uncertain)

    def labelled(candidate: Candidate) -> Tuple[GenerationConfig, tuple]:
        untied = {k: v for k, v in candidate.items() if k not in THRESHOLDS}
        return replace(config, **candidate), key(untied)

    def scores(candidate: Candidate, split: Sequence[int]) -> LabelScore:
        return labeller.score(readouts(candidate), *labelled(candidate), split)

    bar = progress_bar(desc='candidates', disable=not progress, unit='cand')
    outcome = coordinate_descent(base, families, lambda c: scores(c, val).miou,
                                 rounds, on_score=lambda: bar.update(1))
    bar.close()
    chosen = dict(outcome.best)
    if not chosen['guided_filter_radius']:
        chosen['guided_filter_eps'] = base['guided_filter_eps']
    settings = {k: v for k, v in chosen.items() if v != base[k]}
    if any(k in settings for k in BLOCK_FIELDS):
        settings.update({k: list(chosen[k]) for k in BLOCK_FIELDS})
    result = CalibrationResult(
        settings=settings, config=replace(config, **settings), base=base,
        chosen=chosen,
        val=dict(config=scores(base, val), calibrated=scores(chosen, val)),
        test=dict(config=scores(base, test),
                  calibrated=scores(chosen,
                                    test)), candidates_scored=outcome.scored,
        denoiser_passes=-(-len(images) // batch_size) * len(read),
        read_steps=read, splits=dict(val=val,
                                     test=test), tables=outcome.tables)
    shown = test[:num_examples]
    labels = [
        labeller.labels(readouts(c), *labelled(c), shown)
        for c in (base, chosen)
    ]
    result.examples = [
        Example(images[i], masks[i], *pair)
        for i, pair in zip(shown, zip(*labels))
    ]
    return result
