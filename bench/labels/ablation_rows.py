"""The rows of the paper's ablation and the one generation pass that
labels them all (see bench.labels.label_ablation).

Rows a-e are labellings: each is derived from the same recorded attention
of a sample, so rows differ only in how attention becomes labels (and, for
row a, in the prompt the image was generated from). Rows f and g change
the segmenter's training, not the labels.
"""
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmdd.diffusion.generator import (GenerationConfig, LabelledImageGenerator,
                                      SampleRequest)
from mmdd.diffusion.labelling.confusion import ConfusionCounter, LabelScore
from mmdd.shapes.world import SHAPES_CLASSES, oracle_label
from mmdd.utils.progress import progress_bar

PAPER_TAU = 4
BAND = (0.6, 0.5)  # the paper's foreground / uncertain thresholds
NO_BAND = (0.55, 0.55)  # one threshold in the middle of the band


@dataclass(frozen=True)
class Row:
    key: str
    step: str  # what the row adds, in the paper's order
    appended: bool  # class-prompt appending in the generation text
    label_source: str  # 'text', 'class_prompt' or 'concept' attention
    tau: int
    band: bool
    # 'ignore', 'confidence', 'selftrain' or 'oracle' (c's images with
    # their colour-oracle labels: what the images allow, whatever the labels)
    training: str = 'ignore'

    @property
    def mask_folder(self) -> str:
        return f'mask_{self.key}'

    @property
    def label_key(self) -> str:
        """The labelling row whose cache this row trains on."""
        if self.training == 'oracle':
            return 'c'
        return self.key.replace('f', 'e').replace('g', 'e')

    def generation(self, base: Dict) -> Dict:
        """SynthDataset ``generation`` settings whose labels are this
        row's (written into the cache manifest)."""
        foreground, uncertain = BAND if self.band else NO_BAND
        return dict(base, append_class_prompt=self.appended,
                    label_source=self.label_source, tau=self.tau,
                    foreground_threshold=foreground,
                    uncertain_threshold=uncertain)


def ablation_rows(best_tau: int, taus: Sequence[int] = (1, 2, 4),
                  concept: bool = False) -> List[Row]:
    """Rows a-g; e-g at the paper's tau, and again at ``best_tau`` when
    that differs; ``concept`` (diffusion transformers): ConceptAttention
    on the caption alone and with class names appended; then the oracle
    reference row (downstream only)."""
    rows = [
        Row('a', 'caption class words only', False, 'text', 0, False),
        Row('b', '+ class-prompt appending', True, 'text', 0, False),
        Row('c', '+ class-prompt cross-attention', True, 'class_prompt', 0,
            False),
    ]
    rows += [
        Row(f'd{tau}', f'+ self-attention exponentiation, tau={tau}', True,
            'class_prompt', tau, False) for tau in taus
    ]
    for tau in dict.fromkeys((PAPER_TAU, best_tau)):
        suffix = '' if tau == PAPER_TAU else f'_tau{tau}'
        band = Row(f'e{suffix}', f'+ uncertainty band (tau={tau})', True,
                   'class_prompt', tau, True)
        rows += [
            band,
            replace(band, key=f'f{suffix}', training='confidence',
                    step=f'+ confidence-weighted loss (tau={tau})'),
            replace(band, key=f'g{suffix}', training='selftrain',
                    step=f'+ one self-training round (tau={tau})'),
        ]
    if concept:
        rows += [
            Row('k_a', 'concept attention, caption only', False, 'concept', 0,
                False),
            Row('k', 'concept attention, class names appended', True,
                'concept', 0, False),
        ]
    rows.append(
        Row('oracle', "(reference) c's images, colour-oracle labels", True,
            'class_prompt', 0, False, training='oracle'))
    return rows


def labelling_rows(rows: Sequence[Row]) -> List[Row]:
    """The rows with labels of their own (f and g reuse e's)."""
    return [row for row in rows if row.training == 'ignore']


def label_pass(generator: LabelledImageGenerator,
               requests: Sequence[SampleRequest], rows: Sequence[Row], write,
               batch_size: int = 16, keep: int = 0) -> tuple:
    """Generate ``requests`` once (attention kept) and label each sample by
    every row; ``write(index, sample, labels)`` stores them.

    Returns each row's score against the colour oracle, and the first
    ``keep`` (image, oracle, [row labels]) for pictures.
    """
    counters = {
        row.key: ConfusionCounter(len(SHAPES_CLASSES), 255)
        for row in rows
    }
    kept: list = []
    bar = progress_bar(total=len(requests), desc='generate', unit='img')
    for start in range(0, len(requests), batch_size):
        batch = requests[start:start + batch_size]
        samples = generator.generate(batch, keep_attention=True)
        for offset, sample in enumerate(samples):
            truth = oracle_label(sample.image)
            labels: Dict[str, tuple] = {}
            for row in rows:
                foreground, uncertain = BAND if row.band else NO_BAND
                labels[row.key] = generator.label(sample.attention, row.tau,
                                                  foreground, uncertain,
                                                  row.label_source)
                counters[row.key].add(labels[row.key][0], truth)
            write(start + offset, sample, labels)
            if len(kept) < keep:
                kept.append(
                    (sample.image, truth, [labels[row.key][0]
                                           for row in rows]))
        bar.update(len(batch))
    bar.close()
    scores: Dict[str, LabelScore] = {
        key: counter.score()
        for key, counter in counters.items()
    }
    return scores, kept


def generator_config(row: Row, base: Dict) -> GenerationConfig:
    return GenerationConfig(**row.generation(base))


def mean_std(values: Sequence[float]) -> Optional[tuple]:
    if not values:
        return None
    return float(np.mean(values)), float(np.std(values))
