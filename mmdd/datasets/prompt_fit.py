"""Prompts checked against the model's text encoders when a SynthDataset is
built, before the model loads, by the very rule generation applies
(:meth:`TextConditioning.sample_prompts
<mmdd.diffusion.conditioning.base.TextConditioning.sample_prompts>` on the
model's tokenizers): a class prompt or appended class names longer than an
encoder reads, and with ``label_source='text'`` (no appending) a class a cut
would remove from its sample's text, fail here with the fix instead of at
the batch that holds them.
"""
import warnings
from typing import Dict, Sequence


def check_prompts_fit(model: str, generation: Dict, classes: Sequence[str],
                      records: Sequence) -> None:
    """Raise the ValueError generation would raise, naming the record.

    Each distinct class list is checked (the caption does not change the
    class prompt); every caption too where ``label_source='text'`` reads
    the labels from it and ``append_class_prompt=False`` lets a cut reach
    the class names. A model that cannot be read here is left to
    ``load_pipeline``, which names the problem.
    """
    from mmdd.diffusion import GenerationConfig, PromptTruncatedWarning
    from mmdd.diffusion.models.tokenizers import tokenizer_conditioning
    config = GenerationConfig(**generation)
    try:
        text = tokenizer_conditioning(model, config.max_sequence_length)
    except (OSError, KeyError):
        return
    every_caption = (
        config.label_source == 'text' and not config.append_class_prompt)
    seen = set()
    with warnings.catch_warnings():  # cuts are warned about at generation
        warnings.simplefilter('ignore', PromptTruncatedWarning)
        for record in records:
            names = [classes[i] for i in record.class_ids(classes)]
            if not every_caption and tuple(names) in seen:
                continue
            seen.add(tuple(names))
            try:
                text.sample_prompts(record.caption if every_caption else '',
                                    names, config.append_class_prompt,
                                    config.label_source)
            except ValueError as err:
                raise ValueError(
                    f'prompt record {record.id!r} (classes {names}): {err} '
                    '(checked when the dataset is built, before the model '
                    'loads)') from err
