"""Generation text: captions, prompt files, templates and class lists.

Pure Python (no torch, no OpenMMLab, no nltk at import): the prompt tools,
the datasets and :mod:`mmdd.diffusion` share it. The class-mention matcher
(:mod:`mmdd.prompts.class_match`, nltk) and the tools' summary table
(:mod:`mmdd.prompts.summary`) are imported from their modules.
"""
from .captions import (CLASS_PROMPT_SEPARATOR, append_class_prompt,
                       clean_caption, read_captions)
from .class_names import (BACKGROUND, COCO_CATEGORIES, COCO_CATEGORY_TO_LABEL,
                          COCO_CLASSES, COCO_PALETTE, VOC_CLASSES,
                          VOC_MMSEG_CLASSES, VOC_PALETTE, voc_colormap)
from .records import (RECORD_KEYS, IgnoredPromptKeyWarning, PromptRecord,
                      read_prompts, write_prompts)
from .templates import (build_prompt, caption_records, image_records,
                        order_classes, template_prompt, template_prompts,
                        template_record)

__all__ = [
    'BACKGROUND', 'CLASS_PROMPT_SEPARATOR', 'COCO_CATEGORIES',
    'COCO_CATEGORY_TO_LABEL', 'COCO_CLASSES', 'COCO_PALETTE',
    'IgnoredPromptKeyWarning', 'PromptRecord', 'RECORD_KEYS', 'VOC_CLASSES',
    'VOC_MMSEG_CLASSES', 'VOC_PALETTE', 'append_class_prompt', 'build_prompt',
    'caption_records', 'clean_caption', 'image_records', 'order_classes',
    'read_captions', 'read_prompts', 'template_prompt', 'template_prompts',
    'template_record', 'voc_colormap', 'write_prompts'
]
