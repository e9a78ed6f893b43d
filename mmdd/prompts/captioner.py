"""Caption images with a transformers image-to-text model.

The paper captions the real training images with BLIP; the default model is
``Salesforce/blip-image-captioning-large``. Other checkpoints whose
processor takes ``images=`` and ``text=`` (a prompt the caption continues)
and decodes with ``batch_decode``, and whose model has ``generate``, go
through the same calls: BLIP-2 (``Salesforce/blip2-opt-2.7b``), GIT and other
``AutoModelForImageTextToText`` / ``AutoModelForVision2Seq`` checkpoints.
The model class is the one the checkpoint's config names.
"""
from typing import List, Optional, Sequence

import torch
from PIL import Image

from mmdd.utils.precision import parse_dtype, warn_if_slow_on_cpu

DEFAULT_CAPTION_MODEL = 'Salesforce/blip-image-captioning-large'


def default_device() -> str:
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def _model_class(model_name: str):
    """The transformers class the checkpoint's config names, else
    ``AutoModelForImageTextToText``."""
    import transformers
    config = transformers.AutoConfig.from_pretrained(model_name)
    for name in getattr(config, 'architectures', None) or []:
        cls = getattr(transformers, name, None)
        if cls is not None and hasattr(cls, 'generate'):
            return cls
    return transformers.AutoModelForImageTextToText


class Captioner:
    """One caption per image, in batches.

    Args:
        model: a transformers model with ``generate``.
        processor: its processor (image processor + tokenizer).
        prompt: text the caption continues (BLIP: ``a photography of``);
            it is removed from the returned captions.
        max_new_tokens: caption length limit in tokens.
        num_beams: beam width (1 = greedy).
    """

    def __init__(self, model, processor, prompt: Optional[str] = None,
                 max_new_tokens: int = 30, num_beams: int = 3) -> None:
        if max_new_tokens < 1 or num_beams < 1:
            raise ValueError(f'max_new_tokens and num_beams must be >= 1, got '
                             f'{max_new_tokens} and {num_beams}')
        self.model = model.eval()
        self.processor = processor
        self.prompt = prompt or None
        self.max_new_tokens = max_new_tokens
        self.num_beams = num_beams

    @classmethod
    def from_pretrained(cls, model_name: str = DEFAULT_CAPTION_MODEL,
                        device: Optional[str] = None,
                        dtype: Optional[str] = None, **kwargs) -> 'Captioner':
        """Load a hub id or a local folder (``save_pretrained`` layout).

        ``dtype`` None: fp16 on a GPU, fp32 on a CPU.
        """
        from transformers import AutoProcessor
        device = device or default_device()
        torch_dtype = parse_dtype(dtype, device)
        warn_if_slow_on_cpu(torch_dtype, device)
        processor = AutoProcessor.from_pretrained(model_name)
        model = _model_class(model_name).from_pretrained(
            model_name, dtype=torch_dtype).to(device)
        return cls(model, processor, **kwargs)

    @torch.no_grad()
    def __call__(self, images: Sequence[Image.Image]) -> List[str]:
        if not images:
            return []
        text = None if self.prompt is None else [self.prompt] * len(images)
        inputs = self.processor(
            images=list(images), text=text, return_tensors='pt')
        param = next(self.model.parameters())
        inputs = {
            key: (value.to(param.device, param.dtype)
                  if value.is_floating_point() else value.to(param.device))
            for key, value in inputs.items()
        }
        output = self.model.generate(**inputs,
                                     max_new_tokens=self.max_new_tokens,
                                     num_beams=self.num_beams)
        texts = self.processor.batch_decode(output, skip_special_tokens=True)
        return [self._clean(t) for t in texts]

    def _clean(self, text: str) -> str:
        text = ' '.join(text.split())
        if self.prompt:
            prompt = ' '.join(self.prompt.split())
            if text.lower().startswith(prompt.lower()):
                text = text[len(prompt):].strip()
        return text
