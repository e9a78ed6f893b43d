"""The shapes world: procedural scenes with captions and exact label maps.

Small enough to train a text-to-image model on a CPU, with the ground truth
known. Each class has a characteristic look (a shape *and* a colour), as real
categories do, so its name is learnable from few examples; colours jitter,
sizes, positions and rotations vary, backgrounds are grey, optionally
striped or checkered. Captions name objects with attributes, counts and
synonyms ("two small red discs and a blue box on a striped background").

Everything is deterministic in the seed: ``render_scene(seed)`` is the same
scene on every machine (numpy's PCG64 and integer OpenCV fills).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

SHAPES_CLASSES: Tuple[str, ...] = ('background', 'circle', 'square',
                                   'triangle', 'cross', 'star')
# Label-map colours (like a dataset's METAINFO palette) and the colour each
# object class is painted in: the same, so a picture of the labels reads
# like the image.
SHAPES_PALETTE: List[List[int]] = [[0, 0, 0], [220, 30, 30], [30, 70, 225],
                                   [30, 175, 50], [235, 200, 20],
                                   [165, 45, 205]]
COLOUR_WORDS = ('red', 'blue', 'green', 'yellow', 'purple')  # per class
SYNONYMS: Dict[str, Tuple[str, ...]] = {
    'circle': ('circle', 'circle', 'disc', 'dot'),
    'square': ('square', 'square', 'box', 'block'),
    'triangle': ('triangle', 'triangle', 'wedge'),
    'cross': ('cross', 'cross', 'plus'),
    'star': ('star', 'star', 'starlet'),
}
PLURALS = {'box': 'boxes', 'cross': 'crosses', 'plus': 'pluses'}
NUMBER_WORDS = ('a', 'one', 'two', 'three')
BACKGROUNDS = ('plain', 'striped', 'checkered')
TEMPLATES = (
    '{objects}',
    'a picture of {objects}',
    'an image with {objects}',
    '{objects} on a {background} background',
    'a drawing of {objects} on a {background} background',
    '{names}',
)
COLOUR_JITTER = 20  # per channel, uniform +-


def plural(word: str) -> str:
    return PLURALS.get(word, word + 's')


def vocabulary() -> List[str]:
    """Every word a caption can hold (for a tokenizer trimmed to them)."""
    words = set(SHAPES_CLASSES[1:]) | set(COLOUR_WORDS) | set(BACKGROUNDS)
    words |= {'small', 'big', 'and', 'background', ',', ';', ':'}
    words |= set(NUMBER_WORDS)
    for synonyms in SYNONYMS.values():
        for word in synonyms:
            words |= {word, plural(word)}
    for template in TEMPLATES:
        words |= set(
            template.replace('{objects}',
                             '').replace('{background}',
                                         '').replace('{names}', '').split())
    return sorted(words)


@dataclass
class SceneObject:
    class_id: int
    centre: Tuple[int, int]  # (x, y) pixels
    radius: int
    angle: float  # degrees
    colour: Tuple[int, int, int]


@dataclass
class Scene:
    image: np.ndarray  # H x W x 3 uint8 RGB
    label: np.ndarray  # H x W uint8 class ids (0 = background)
    caption: str
    class_ids: List[int]  # distinct classes present, in caption order
    objects: List[SceneObject] = field(default_factory=list)


def _polygon(kind: str, centre: Tuple[int, int], radius: float,
             angle: float) -> np.ndarray:
    if kind == 'square':
        corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
        points = np.array(corners, float) * radius * 0.85
    elif kind == 'triangle':
        t = np.deg2rad([90, 210, 330])
        points = np.stack([np.cos(t), -np.sin(t)], 1) * radius
    elif kind == 'cross':
        a, b = radius, radius * 0.38
        points = np.array([(-b, -a), (b, -a), (b, -b), (a, -b), (a, b), (b, b),
                           (b, a), (-b, a), (-b, b), (-a, b), (-a, -b),
                           (-b, -b)], float)
    elif kind == 'star':
        t = np.deg2rad(90 + 36 * np.arange(10))
        r = np.where(np.arange(10) % 2 == 0, radius, radius * 0.45)
        points = np.stack([r * np.cos(t), -r * np.sin(t)], 1)
    else:
        raise ValueError(f'no polygon for {kind!r}')
    c, s = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    rotated = points @ np.array([[c, s], [-s, c]])
    return np.round(rotated + np.array(centre)).astype(np.int32)


def object_mask(obj: SceneObject, size: int) -> np.ndarray:
    """The object's pixels (bool, size x size)."""
    mask = np.zeros((size, size), np.uint8)
    kind = SHAPES_CLASSES[obj.class_id]
    if kind == 'circle':
        cv2.circle(mask, obj.centre, obj.radius, 1, -1)
    else:
        cv2.fillPoly(mask, [_polygon(kind, obj.centre, obj.radius, obj.angle)],
                     1)
    return mask.astype(bool)


def _background(rng: np.random.Generator, size: int, kind: str) -> np.ndarray:
    level = rng.uniform(70, 170)
    tint = rng.uniform(-8, 8, 3)
    yy, xx = np.mgrid[:size, :size] / size
    ramp = rng.uniform(-20, 20) * (xx - 0.5) + rng.uniform(-20, 20) * (
        yy - 0.5)
    image = level + ramp[..., None] + tint
    if kind != 'plain':
        period = int(rng.integers(6, 13))
        phase = rng.integers(0, period)
        if kind == 'striped':
            vertical = rng.random() < 0.5
            coord = (xx if vertical else yy) * size
            pattern = ((coord + phase) // (period / 2)) % 2
        else:
            pattern = (((xx * size + phase) // period) +
                       ((yy * size + phase) // period)) % 2
        image += (pattern[..., None] - 0.5) * rng.uniform(16, 30)
    image += rng.normal(0, 3, image.shape)
    return image


def _place_objects(rng: np.random.Generator, size: int,
                   count: int) -> List[SceneObject]:
    objects: List[SceneObject] = []
    for _ in range(count):
        class_id = int(rng.integers(1, len(SHAPES_CLASSES)))
        for _attempt in range(30):
            radius = int(
                rng.integers(round(size * 0.12),
                             round(size * 0.25) + 1))
            centre = tuple(
                int(v) for v in rng.integers(radius, size - radius, 2))
            free = all(
                np.hypot(centre[0] - o.centre[0], centre[1] -
                         o.centre[1]) > 0.9 * (radius + o.radius)
                for o in objects)
            if free:
                break
        base = np.array(SHAPES_PALETTE[class_id])
        colour = np.clip(
            base + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, 3), 0, 255)
        objects.append(
            SceneObject(class_id, centre, radius, float(rng.uniform(-25, 25)),
                        tuple(int(v) for v in colour)))
    return objects


def _size_word(obj: SceneObject, size: int) -> Optional[str]:
    if obj.radius < size * 0.16:
        return 'small'
    if obj.radius > size * 0.21:
        return 'big'
    return None


def _phrase(rng: np.random.Generator, members: Sequence[SceneObject],
            class_id: int, name: str, size: int) -> str:
    """"a small red disc", "two blue boxes": at most three members."""
    words = []
    if len(members) == 1:
        words.append(str(rng.choice(['a', 'one'], p=[0.85, 0.15])))
        size_word = _size_word(members[0], size)
        if size_word and rng.random() < 0.7:
            words.append(size_word)
    else:
        words.append(NUMBER_WORDS[len(members)])
        name = plural(name)
    if rng.random() < 0.8:
        words.append(COLOUR_WORDS[class_id - 1])
    return ' '.join(words + [name])


def _caption(rng: np.random.Generator, objects: Sequence[SceneObject],
             size: int, background: str) -> Tuple[str, List[int]]:
    groups: Dict[int, List[SceneObject]] = {}
    for obj in objects:
        groups.setdefault(obj.class_id, []).append(obj)
    class_ids = list(groups)
    phrases, names = [], []
    for class_id, members in groups.items():
        name = str(rng.choice(SYNONYMS[SHAPES_CLASSES[class_id]]))
        # A group larger than the largest number word is named in parts
        # ("three red stars and a red star"): the shipped models'
        # tokenizers hold only the vocabulary's words.
        top = len(NUMBER_WORDS) - 1
        for start in range(0, len(members), top):
            part = members[start:start + top]
            phrases.append(_phrase(rng, part, class_id, name, size))
            names.append(name if len(part) == 1 else plural(name))
    joined = (
        phrases[0] if len(phrases) == 1 else ', '.join(phrases[:-1]) +
        ' and ' + phrases[-1])
    template = str(rng.choice(TEMPLATES))
    caption = template.format(objects=joined, background=background,
                              names=', '.join(names))
    return caption, class_ids


def render_scene(seed: int, size: int = 64, max_objects: int = 3) -> Scene:
    """One scene: 1..max_objects objects, caption and exact label map."""
    rng = np.random.default_rng(seed)
    background = str(rng.choice(BACKGROUNDS, p=[0.5, 0.25, 0.25]))
    image = _background(rng, size, background)
    label = np.zeros((size, size), np.uint8)
    count = int(rng.integers(1, max_objects + 1))
    objects = _place_objects(rng, size, count)
    for obj in objects:  # later objects cover earlier ones
        mask = object_mask(obj, size)
        image[mask] = obj.colour
        label[mask] = obj.class_id
    image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    caption, class_ids = _caption(rng, objects, size, background)
    # Classes hidden entirely under others are not in the label map.
    visible = set(np.unique(label).tolist())
    class_ids = [c for c in class_ids if c in visible]
    return Scene(image, label, caption, class_ids, objects)


def oracle_label(image: np.ndarray, max_distance: float = 80.0,
                 min_saturation: int = 60) -> np.ndarray:
    """Segment a (generated) image by colour: exact for flat-colour shapes.

    A pixel belongs to the class whose colour is nearest, if it is within
    ``max_distance`` (RGB) and saturated enough (backgrounds are grey);
    otherwise it is background.
    """
    pixels = image.reshape(-1, 3).astype(np.float32)
    colours = np.array(SHAPES_PALETTE[1:], np.float32)
    distance = np.linalg.norm(pixels[:, None] - colours[None], axis=2)
    nearest = distance.argmin(1)
    saturation = pixels.max(1) - pixels.min(1)
    keep = (distance.min(1) < max_distance) & (saturation >= min_saturation)
    label = np.where(keep, nearest + 1, 0).astype(np.uint8)
    return label.reshape(image.shape[:2])
