"""Labelled real images from a VOC-style pair of folders.

``images/NAME.jpg`` (or .png / .jpeg / .bmp) beside ``masks/NAME.png``, a
label map of class indices (a palette PNG as VOC's SegmentationClass, or
a grey one), 255 ignored. Names are taken in sorted order, or in the order
of an id list (VOC's ``ImageSets/Segmentation/train.txt``).
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')
PathLike = Union[str, Path]


@dataclass
class LabelledImage:
    name: str  # the file name without its suffix
    image: np.ndarray  # H x W x 3 uint8 RGB
    mask: np.ndarray  # H x W uint8 class indices


def _folder(path: PathLike, what: str) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f'the {what} folder {path} does not exist: '
                                f'pass --{what} a folder of {what}')
    return path


def read_labelled_folder(images: PathLike, masks: PathLike,
                         num_images: Optional[int] = None,
                         num_classes: Optional[int] = None,
                         ids: Optional[Sequence[str]] = None,
                         image_suffix: Optional[str] = None,
                         mask_suffix: str = '.png',
                         ignore_index: int = 255) -> List[LabelledImage]:
    """The first ``num_images`` image / mask pairs (all: None).

    Raises, naming the fix: a missing folder, an image without its mask
    (or a mask without its image, when no ``ids`` are given), sizes that
    differ, and a mask index at or beyond ``num_classes``.
    """
    image_dir, mask_dir = _folder(images, 'images'), _folder(masks, 'masks')
    suffixes = (image_suffix, ) if image_suffix else IMAGE_SUFFIXES
    found: Dict[str, Path] = {
        p.stem: p
        for p in sorted(image_dir.iterdir()) if p.suffix.lower() in suffixes
    }
    mask_found = {
        p.stem: p
        for p in sorted(mask_dir.iterdir()) if p.name.endswith(mask_suffix)
    }
    if ids is None:
        if not found:
            raise FileNotFoundError(
                f'no image ({", ".join(suffixes)}) in {image_dir}')
        unmatched = sorted(set(found) ^ set(mask_found))
        if unmatched:
            raise ValueError(
                f'{len(found)} images in {image_dir} but {len(mask_found)} '
                f'masks in {mask_dir}; unmatched names: {unmatched[:5]}. '
                'Give every image a mask of the same name (NAME.png), or '
                'list the ids to read (--image-list)')
        ids = sorted(found)
    missing = [i for i in ids if i not in found or i not in mask_found]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} listed ids lack an image in {image_dir} or a '
            f'mask in {mask_dir}, e.g. {missing[:5]}')
    chosen = list(ids)[:num_images] if num_images else list(ids)
    pairs = []
    for name in chosen:
        image = np.asarray(Image.open(found[name]).convert('RGB'))
        mask = np.asarray(Image.open(mask_found[name]))
        if mask.ndim != 2:
            raise ValueError(
                f'{mask_found[name]} is not a label map (shape {mask.shape}):'
                ' masks are single-channel PNGs of class indices')
        if mask.shape != image.shape[:2]:
            raise ValueError(f'{found[name]} is {image.shape[:2]} but '
                             f'{mask_found[name]} is {mask.shape}')
        if num_classes is not None:
            bad = sorted(
                set(np.unique(mask).tolist()) - set(range(num_classes)) -
                {ignore_index})
            if bad:
                raise ValueError(
                    f'{mask_found[name]} holds class index(es) {bad}, but '
                    f'the config has {num_classes} classes (0..'
                    f'{num_classes - 1}, {ignore_index} ignored): use the '
                    'config whose classes the masks were made with')
        pairs.append(LabelledImage(name, image, mask.astype(np.uint8)))
    return pairs
