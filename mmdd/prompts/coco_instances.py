"""COCO 2017 ``instances_*.json``, read and checked once for the tools that
need it: the semantic-label converter and the COCO prompt builder."""
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Union

from .class_names import COCO_CATEGORY_TO_LABEL, COCO_CLASSES
from .jsonl import load_json


@dataclass
class CocoInstances:
    """The images of the file, in file order, and each image's annotations
    (by image id, in file order; empty for images without any)."""
    images: List[dict]
    annotations: Dict[int, List[dict]]

    def labels(self, image_id: int) -> List[int]:
        """Sorted label indices (1..80) of the image's annotations."""
        return sorted({
            COCO_CATEGORY_TO_LABEL[ann['category_id']]
            for ann in self.annotations[image_id]
        })

    def classes_by_stem(self) -> Dict[str, List[str]]:
        """Image file stem -> class names present, in COCO's class order,
        for every image in id order (an empty list without annotations)."""
        stems = {
            image['id']: Path(image['file_name']).stem
            for image in self.images
        }
        return {
            stems[i]: [COCO_CLASSES[v] for v in self.labels(i)]
            for i in sorted(stems)
        }


def load_coco_instances(path: Union[str, os.PathLike]) -> CocoInstances:
    """Read an instances file; a foreign category, an annotation of an
    unknown image or a file of another kind is a ``ValueError`` that says
    where."""
    data = load_json(Path(path))
    missing = [
        k for k in ('images', 'annotations', 'categories')
        if not isinstance(data, dict) or k not in data
    ]
    if missing:
        raise ValueError(f'{path}: missing {missing}; expected COCO\'s '
                         'instances_*.json (not captions or panoptic)')
    for cat in data['categories']:
        label = COCO_CATEGORY_TO_LABEL.get(cat['id'])
        if label is None or COCO_CLASSES[label] != cat['name']:
            expected = COCO_CLASSES[label] if label else 'no such id'
            raise ValueError(
                f'{path}: category {cat["id"]} {cat["name"]!r} is not COCO '
                f'2017\'s ({expected}); mmdd expects the 80 COCO 2017 thing '
                'categories and their fixed 1..80 labels')
    annotations: Dict[int, List[dict]] = {
        image['id']: []
        for image in data['images']
    }
    for index, ann in enumerate(data['annotations']):
        if ann['image_id'] not in annotations:
            raise ValueError(f'{path}: annotations[{index}] refers to image '
                             f'{ann["image_id"]}, which is not in "images"')
        if ann['category_id'] not in COCO_CATEGORY_TO_LABEL:
            raise ValueError(f'{path}: annotations[{index}] has category '
                             f'{ann["category_id"]}, not a COCO 2017 thing')
        annotations[ann['image_id']].append(ann)
    return CocoInstances(list(data['images']), annotations)
