"""The candidate families and a bounded search over them.

A candidate is a dict of :class:`GenerationConfig` fields. A family is
one setting (or a pair that moves together, as the thresholds) and the
values it may take. The search is coordinate descent: from the config's
own settings, each family in turn is scored at every value with the
others held, and its best value is kept where it beats the current one
(ties keep the current); the rounds repeat until none moves or
``rounds`` is reached. Each distinct candidate is scored once and
counted.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

Candidate = Dict[str, object]

# Label-time families every architecture has (the values tried).
TAUS = (0, 1, 2, 3, 4)
REFINED_WEIGHTS = (1.0, 0.75, 0.5, 0.25)
GUIDED_EPS = (1e-3, 1e-2, 1e-1)
THRESHOLDS = ((0.6, 0.5), (0.7, 0.6), (0.5, 0.4), (0.4, 0.3), (0.3, 0.2),
              (0.6, 0.6), (0.5, 0.5), (0.4, 0.4), (0.3, 0.3))


@dataclass
class Family:
    name: str
    options: List[Candidate]


@dataclass
class FamilyRow:
    """One scored value of a family, in one round of the search."""
    round: int
    option: Candidate
    score: float


@dataclass
class SearchOutcome:
    best: Candidate
    score: float
    scored: int  # distinct candidates scored
    tables: Dict[str, List[FamilyRow]] = field(default_factory=dict)


def key(candidate: Candidate) -> Tuple:
    """A hashable form of a candidate (lists as tuples)."""
    return tuple(
        sorted((k, tuple(v) if isinstance(v, (list, tuple)) else v)
               for k, v in candidate.items()))


def label_families(image_size: int, sources: Sequence[str]) -> List[Family]:
    """The families of label-time settings. ``image_size``: the shorter
    image side (guided filter radii are 1/32, 1/16 and 1/8 of it);
    ``sources``: the label sources that were recorded."""
    radii = sorted({max(1, image_size // d) for d in (32, 16, 8)})
    guided = [dict(guided_filter_radius=0)] + [
        dict(guided_filter_radius=r, guided_filter_eps=e) for r in radii
        for e in GUIDED_EPS
    ]
    return [
        Family('label_source', [dict(label_source=s) for s in sources]),
        Family('step_weighting',
               [dict(step_weighting=w) for w in ('mean', 'linear')]),
        Family('layer_weighting',
               [dict(layer_weighting=w) for w in ('mean', 'sharpness')]),
        Family('tau', [dict(tau=t) for t in TAUS]),
        Family('refined_weight',
               [dict(refined_weight=w) for w in REFINED_WEIGHTS]),
        Family('normalisation',
               [dict(normalisation=n) for n in ('min_max', 'max')]),
        Family('guided_filter', guided),
        Family('thresholds', [
            dict(foreground_threshold=f, uncertain_threshold=u)
            for f, u in THRESHOLDS
        ]),
    ]


def block_windows(blocks: Sequence[int], defaults: Sequence[Sequence[int]],
                  width: Optional[int] = None) -> List[List[int]]:
    """Windows of consecutive joint blocks: ``defaults`` first, then the
    halves, all of them and windows of ``width`` (a quarter by default)
    side by side; each once."""
    blocks = list(blocks)
    width = width or max(1, len(blocks) // 4)
    half = len(blocks) // 2
    windows = [list(d) for d in defaults]
    windows += [blocks[:half] or blocks, blocks[half:], blocks]
    windows += [
        blocks[i:i + width] for i in range(0,
                                           len(blocks) - width + 1, width)
    ]
    unique = {}
    for window in windows:
        unique.setdefault(tuple(window), list(window))
    return list(unique.values())


def coordinate_descent(
        base: Candidate, families: Sequence[Family],
        score: Callable[[Candidate], float], rounds: int = 2,
        on_score: Optional[Callable[[], None]] = None) -> SearchOutcome:
    """Coordinate descent over ``families`` from ``base`` (see the
    module's docstring); ``on_score`` is called after each new score."""
    scores: Dict[Tuple, float] = {}

    def scored(candidate: Candidate) -> float:
        k = key(candidate)
        if k not in scores:
            scores[k] = score(candidate)
            if on_score is not None:
                on_score()
        return scores[k]

    current = dict(base)
    best = scored(current)
    tables: Dict[str, List[FamilyRow]] = {f.name: [] for f in families}
    for round_ in range(rounds):
        moved = False
        for family in families:
            pick, pick_score = None, best
            for option in family.options:
                value = scored({**current, **option})
                tables[family.name].append(FamilyRow(round_, option, value))
                if value > pick_score:
                    pick, pick_score = option, value
            if pick is not None:
                current, best, moved = {**current, **pick}, pick_score, True
        if not moved:
            break
    return SearchOutcome(current, best, len(scores), tables)
