"""What a streaming config needs besides ``stream=...`` (checked by
``tools/train.py`` before anything is generated)."""
from typing import List

from mmdd.datasets.synth_type import is_synth_dataset
from mmdd.utils.dataset_cfgs import iter_loader_dataset_cfgs, type_name


def streams(cfg) -> bool:
    """Whether the training data is a SynthDataset that streams."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmdd')):
        return any(
            is_synth_dataset(d) and d.get('stream')
            and d.get('generate', True) for d in iter_loader_dataset_cfgs(
                cfg, loaders=['train_dataloader']))


def stream_problems(cfg) -> List[str]:
    """The missing sampler or hook of a streaming config, each with its
    fix."""
    if not streams(cfg):
        return []
    problems = []
    sampler = (cfg.train_dataloader.get('sampler') or {}).get('type')
    if type_name(dict(type=sampler)) != 'StreamSampler':
        problems.append(
            f'train_dataloader.sampler is {sampler!r}, which would read '
            'samples that are not generated yet; a streaming SynthDataset '
            "needs sampler=dict(type='StreamSampler', shuffle=True).")
    hooks = [type_name(hook) for hook in cfg.get('custom_hooks') or []]
    if 'SynthStreamHook' not in hooks:
        problems.append(
            'custom_hooks has no SynthStreamHook, which generates the '
            'interleaved blocks, logs progress and completes the cache: add '
            "custom_hooks = [dict(type='SynthStreamHook')].")
    return problems
