"""Class lists and palettes of the datasets mmdd generates for.

The names are the words written into the text prompt, so multi-word classes
are spelled as words (``dining table``, not mmseg's ``diningtable``). Index 0
is ``background``; label maps store the index, 255 means ignored/uncertain.
"""
from typing import Dict, Tuple

Palette = Tuple[Tuple[int, int, int], ...]

BACKGROUND = 'background'

VOC_CLASSES: Tuple[str, ...] = ('background', 'aeroplane', 'bicycle', 'bird',
                                'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
                                'cow', 'dining table', 'dog', 'horse',
                                'motorbike', 'person', 'potted plant', 'sheep',
                                'sofa', 'train', 'tv monitor')

# mmseg's PascalVOCDataset spellings, index for index with VOC_CLASSES.
VOC_MMSEG_CLASSES: Tuple[str, ...] = tuple(
    name.replace(' ', '') for name in VOC_CLASSES)

# COCO 2017's 80 thing categories with their official (non-contiguous) ids.
COCO_CATEGORIES: Tuple[Tuple[int, str], ...] = (
    (1, 'person'), (2, 'bicycle'), (3, 'car'), (4, 'motorcycle'),
    (5, 'airplane'), (6, 'bus'), (7, 'train'), (8, 'truck'),
    (9, 'boat'), (10, 'traffic light'), (11, 'fire hydrant'),
    (13, 'stop sign'), (14, 'parking meter'), (15,
                                               'bench'), (16,
                                                          'bird'),
    (17, 'cat'), (18, 'dog'), (19, 'horse'), (20, 'sheep'), (21, 'cow'),
    (22, 'elephant'), (23, 'bear'), (24, 'zebra'), (25, 'giraffe'),
    (27, 'backpack'), (28, 'umbrella'), (31, 'handbag'), (32, 'tie'),
    (33, 'suitcase'), (34, 'frisbee'), (35, 'skis'), (36, 'snowboard'),
    (37, 'sports ball'), (38, 'kite'), (39, 'baseball bat'),
    (40, 'baseball glove'), (41, 'skateboard'), (42, 'surfboard'),
    (43, 'tennis racket'), (44, 'bottle'), (46, 'wine glass'), (47, 'cup'),
    (48, 'fork'), (49, 'knife'), (50, 'spoon'), (51, 'bowl'), (52, 'banana'),
    (53, 'apple'), (54, 'sandwich'), (55, 'orange'), (56, 'broccoli'),
    (57, 'carrot'), (58, 'hot dog'), (59, 'pizza'), (60, 'donut'),
    (61, 'cake'), (62, 'chair'), (63, 'couch'), (64, 'potted plant'),
    (65, 'bed'), (67, 'dining table'), (70, 'toilet'), (72, 'tv'),
    (73, 'laptop'), (74, 'mouse'), (75, 'remote'), (76, 'keyboard'),
    (77, 'cell phone'), (78, 'microwave'), (79, 'oven'), (80, 'toaster'),
    (81, 'sink'), (82, 'refrigerator'), (84, 'book'), (85, 'clock'), (86,
                                                                      'vase'),
    (87, 'scissors'), (88, 'teddy bear'), (89, 'hair drier'), (90,
                                                               'toothbrush'))

COCO_CLASSES: Tuple[str, ...] = (BACKGROUND, ) + tuple(
    name for _, name in COCO_CATEGORIES)

# COCO category id -> contiguous label index (1..80; 0 is background).
COCO_CATEGORY_TO_LABEL: Dict[int, int] = {
    cat_id: index + 1
    for index, (cat_id, _) in enumerate(COCO_CATEGORIES)
}


def voc_colormap(num_classes: int = 256) -> Palette:
    """The standard PASCAL VOC colour map (bits of the index spread over RGB).

    Its first 21 entries are VOC's palette. Longer maps stay distinct, so the
    same function gives COCO's 81 colours, and a palette PNG written with the
    256-entry map shows every dataset's labels in these colours.
    """
    colors = []
    for index in range(num_classes):
        r = g = b = 0
        value = index
        for shift in range(7, -1, -1):
            r |= (value & 1) << shift
            g |= ((value >> 1) & 1) << shift
            b |= ((value >> 2) & 1) << shift
            value >>= 3
        colors.append((r, g, b))
    return tuple(colors)


VOC_PALETTE: Palette = voc_colormap(len(VOC_CLASSES))
COCO_PALETTE: Palette = voc_colormap(len(COCO_CLASSES))
