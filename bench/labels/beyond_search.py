"""Labels beyond the paper, the search (bench.labels.label_beyond): the
candidates (recording-time and label-time settings, one changed from the
paper row at a time), the generation passes that keep attention for
labelling again, and the greedy choice of the best row on validation."""
import time
from dataclasses import dataclass, field
from typing import Dict, Optional

from bench.labels.ablation_labels import DIT_MODELS

VAL_SEED = 800_000
HELDOUT_SEED = 900_000
# Label-time candidates, by family: one setting changed from the paper row.
POSTHOC = {
    'refined_weight': [dict(refined_weight=w) for w in (0.75, 0.5, 0.25)],
    'normalisation': [dict(normalisation='max')],
    'guided_filter': [
        dict(guided_filter_radius=r, guided_filter_eps=e)
        for r in (2, 3, 4, 6, 8) for e in (1e-3, 1e-2, 1e-1)
    ],
}
# A diffusion transformer's: ConceptAttention (the output-space image ->
# concept scores, class names appended as the paper row's prompts).
# Its tau too: the paper's 4 was set on UNets, never on a transformer.
DIT_POSTHOC = dict(POSTHOC, label_source=[dict(label_source='concept')],
                   tau=[dict(tau=1), dict(tau=2)])


def posthoc(model: str) -> Dict[str, list]:
    """The label-time candidates of ``model``, by family."""
    return DIT_POSTHOC if model in DIT_MODELS else POSTHOC


@dataclass(frozen=True)
class BeyondRow:
    """A labelling: the paper row's settings plus ``changes`` (shaped like
    an ablation Row, so RowCaches and Downstream take it)."""
    key: str
    changes: Dict = field(default_factory=dict, hash=False, compare=False)
    training: str = 'ignore'

    @property
    def label_key(self) -> str:
        return self.key

    @property
    def step(self) -> str:
        return ', '.join(
            f'{k}={v}'
            for k, v in self.changes.items()) or ("the config's labels")

    def generation(self, base: Dict) -> Dict:
        return dict(base, **self.changes)


def describe(changes: Dict) -> str:
    return ', '.join(f'{k}={v}' for k, v in changes.items())


def recordings(settings: Dict, dit_layers: int = 0) -> Dict[str, Dict]:
    """Recording-time candidates (each needs its own generation pass).
    ``dit_layers``: a diffusion transformer's joint blocks, whose first
    half is one more candidate (the default reads the second half)."""
    found = {
        'record_mean': {},
        'steps_linear': dict(step_weighting='linear'),
        'layers_sharpness': dict(layer_weighting='sharpness'),
    }
    fine = settings.get('self_attention_factor', 2)
    if settings.get('cross_attention_factor', 4) != fine:
        found['cross_fine'] = dict(cross_attention_factor=fine)
    if dit_layers:
        found['blocks_first_half'] = dict(
            dit_blocks=list(range(dit_layers // 2)))
    return found


def recording_part(changes: Dict) -> Dict:
    keys = ('step_weighting', 'layer_weighting', 'cross_attention_factor',
            'dit_blocks')
    return {k: v for k, v in changes.items() if k in keys}


class Pass:
    """One generation pass with attention kept: every sample's image,
    attention and colour-oracle truth, labelled again by any row."""

    def __init__(self, pipeline, base: Dict, recording: Dict, requests,
                 batch_size: int):
        from mmdd.diffusion import GenerationConfig, LabelledImageGenerator
        from mmdd.shapes.world import SHAPES_CLASSES, oracle_label
        self.base, self.recording = base, recording
        self.generator = LabelledImageGenerator(
            pipeline, SHAPES_CLASSES,
            GenerationConfig(**dict(base, **recording)))
        self.samples = []
        start = time.time()
        for first in range(0, len(requests), batch_size):
            for sample in self.generator.generate(
                    requests[first:first + batch_size], keep_attention=True):
                self.samples.append((sample, oracle_label(sample.image)))
        self.seconds = time.time() - start

    def labels(self, changes: Dict):
        from mmdd.diffusion import GenerationConfig
        config = GenerationConfig(**dict(self.base, **changes))
        for sample, truth in self.samples:
            label, confidence = self.generator.label(sample.attention,
                                                     image=sample.image,
                                                     config=config)
            yield sample, label, confidence, truth

    def score(self, changes: Dict):
        from mmdd.diffusion.labelling.confusion import ConfusionCounter
        from mmdd.shapes.world import SHAPES_CLASSES
        counter = ConfusionCounter(len(SHAPES_CLASSES), 255)
        for _, label, _, truth in self.labels(changes):
            counter.add(label, truth)
        return counter.score()


def requests_from_scenes(count: int, first: int, max_objects: int = 3):
    from mmdd.diffusion import SampleRequest
    from mmdd.shapes.world import render_scene
    scenes = (
        render_scene(first + i, max_objects=max_objects) for i in range(count))
    return [
        SampleRequest(s.caption, s.class_ids, first + i)
        for i, s in enumerate(scenes)
    ]


def choose(passes: Dict[str, Pass], rec: Dict[str, Dict],
           candidates: Dict[str, list]) -> tuple:
    """Validation scores of every single change, and the greedy best."""
    scores = {'paper': passes['record_mean'].score({})}
    family_best = {}  # family -> (gain, changes)
    paper = scores['paper'].miou
    for name, changes in rec.items():
        if name != 'record_mean':
            scores[describe(changes)] = passes[name].score({})
            family_best.setdefault('recording', []).append(
                (scores[describe(changes)].miou - paper, changes))
    for family, options in candidates.items():
        for changes in options:
            key = describe(changes)
            scores[key] = passes['record_mean'].score(changes)
            family_best.setdefault(family, []).append(
                (scores[key].miou - paper, changes))
    order = sorted(family_best,
                   key=lambda f: -max(g for g, _ in family_best[f]))
    best, best_miou = {}, paper
    for family in order:
        for _, changes in sorted(family_best[family], key=lambda t: -t[0]):
            trial = dict(best, **changes)
            if pass_name(rec, trial) is None:  # two recording changes
                continue
            miou = passes[pass_name(rec, trial)].score(trial).miou
            if miou > best_miou:
                best, best_miou = trial, miou
    return scores, best, best_miou


def pass_name(rec: Dict[str, Dict], changes: Dict) -> Optional[str]:
    """The validation pass that recorded as ``changes`` asks, if any."""
    part = recording_part(changes)
    for name, value in rec.items():
        if value == part:
            return name
    return None
