"""RealSynthDataset: real labelled data and mmdd's synthetic data side by
side, each sample tagged with where it came from.

An mmengine ``ConcatDataset`` (the parts stay under ``datasets``, so
``tools/generate.py``, ``browse_dataset.py`` and the preflight find the
SynthDataset inside) that

- checks that the parts share the class list (by index; spellings such as
  mmseg's ``diningtable`` and the prompts' ``dining table`` match) and
  keeps the first part's names and palette;
- tags every packed sample ``data_sample.metainfo['synthetic']`` (True for
  a SynthDataset part), so that the model applies the synthetic label rules
  to synthetic samples only: ``ConfidenceEncoderDecoder`` weights a real
  sample's pixels by 1 (real labels are exact), never by a confidence;
- tells :class:`~mmdd.datasets.SyntheticShareSampler` which indices are
  synthetic.

The uncertain pixels of a synthetic label are 255, the value mmseg's heads
ignore; mmseg maps every real dataset's void to the same 255 (VOC's
borders, ``reduce_zero_label``'s 0), so a real sample keeps its own ignore
semantics and every other real pixel counts in full.
"""
import re
from typing import List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset, ConcatDataset

from mmdd.registry import DATASETS
from .synth_dataset import SynthDataset


def _same_name(first: str, other: str) -> bool:

    def squash(name: str) -> str:
        return re.sub(r'[\s_\-]', '', name.lower())

    return squash(first) == squash(other)


def check_same_classes(datasets: Sequence[BaseDataset]) -> None:
    """Refuse parts whose class lists differ in length or in a name."""
    first = list(datasets[0].metainfo['classes'])
    for part, dataset in enumerate(datasets[1:], 1):
        classes = list(dataset.metainfo['classes'])
        if len(classes) != len(first):
            raise ValueError(
                f'RealSynthDataset: part {part} ({type(dataset).__name__}) '
                f'has {len(classes)} classes, part 0 '
                f'({type(datasets[0]).__name__}) {len(first)}: the label ids '
                'must mean the same classes in every part. Give both the '
                'same metainfo=dict(classes=..., palette=...) (index 0 the '
                'background).')
        for index, (a, b) in enumerate(zip(first, classes)):
            if not _same_name(a, b):
                raise ValueError(
                    f'RealSynthDataset: class {index} is {a!r} in part 0 but '
                    f'{b!r} in part {part}: label ids must mean the same '
                    'class in every part. Reorder one metainfo classes list '
                    '(and its label files) to match the other.')


def synthetic_parts(dataset) -> List[bool]:
    """For each part of a ``ConcatDataset``, whether it is synthetic (its
    own flags for a RealSynthDataset; SynthDataset parts otherwise)."""
    flags = getattr(dataset, 'synthetic_flags', None)
    if flags is not None:
        return list(flags)
    parts = getattr(dataset, 'datasets', None)
    if parts is None:
        raise TypeError(
            f'{type(dataset).__name__} has no parts: a real + synthetic '
            "sampler needs dataset=dict(type='RealSynthDataset', "
            'datasets=[real, synthetic]) (or a ConcatDataset).')
    return [isinstance(part, SynthDataset) for part in parts]


@DATASETS.register_module()
class RealSynthDataset(ConcatDataset):
    """``ConcatDataset`` of real and synthetic parts (docs/plugin_usage.md,
    "Real plus synthetic data").

    Args:
        datasets: dataset configs or datasets, e.g. ``[real, synthetic]``;
            the first part's metainfo (class names, palette) is kept.
        synthetic: which parts are synthetic, by position; default every
            SynthDataset part (give it for a synthetic dataset of your own
            that is no SynthDataset).
        lazy_init: as ``ConcatDataset``'s.
        ignore_keys: metainfo keys allowed to differ besides ``classes`` and
            ``palette`` (checked here, by index).
    """

    def __init__(self, datasets: Sequence[Union[BaseDataset, dict]],
                 synthetic: Optional[Sequence[int]] = None,
                 lazy_init: bool = False,
                 ignore_keys: Union[str, List[str], None] = None) -> None:
        built = [
            DATASETS.build(d) if isinstance(d, dict) else d for d in datasets
        ]
        if len(built) < 2:
            raise ValueError(
                f'RealSynthDataset needs a real and a synthetic part, got '
                f'{len(built)} dataset(s): datasets=[real, synthetic].')
        check_same_classes(built)
        if synthetic is None:
            self.synthetic_flags = [isinstance(d, SynthDataset) for d in built]
        else:
            bad = [i for i in synthetic if not 0 <= i < len(built)]
            if bad:
                raise ValueError(f'synthetic={list(synthetic)}: parts {bad} '
                                 f'do not exist (0 to {len(built) - 1})')
            self.synthetic_flags = [i in synthetic for i in range(len(built))]
        if all(self.synthetic_flags) or not any(self.synthetic_flags):
            kind = 'synthetic' if all(self.synthetic_flags) else 'real'
            raise ValueError(
                f'RealSynthDataset: every part is {kind} '
                f'({[type(d).__name__ for d in built]}); mix at least one '
                'real dataset and one SynthDataset, or name the synthetic '
                'parts with synthetic=[...].')
        keys = [ignore_keys] if isinstance(ignore_keys, str) else list(
            ignore_keys or [])
        super().__init__(built, lazy_init=lazy_init,
                         ignore_keys=['classes', 'palette', *keys])

    def part_of(self, idx: int) -> int:
        """Which part global index ``idx`` falls in."""
        return self._get_ori_dataset_idx(idx)[0]

    def __getitem__(self, idx: int):
        data = super().__getitem__(idx)
        sample = data.get('data_samples') if isinstance(data, dict) else None
        if sample is not None:
            sample.set_metainfo(
                dict(synthetic=self.synthetic_flags[self.part_of(idx)]))
        return data
