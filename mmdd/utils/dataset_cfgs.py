"""Walk dataset configs through mmengine's dataset wrappers.

``ConcatDataset`` keeps its parts under ``datasets``; ``RepeatDataset``,
``ClassBalancedDataset`` and friends keep theirs under ``dataset``. Tools that
change every dataset of a kind (point it at other data, never generate, read
its cache) walk them all with :func:`iter_dataset_cfgs`. Whether a config
builds a SynthDataset asks the registry:
:func:`mmdd.datasets.synth_type.is_synth_dataset` (the old name here is kept
for users' code, imported on first use).
"""
from typing import Iterator, MutableMapping, Optional, Sequence

from mmdd.lazy import lazy_exports

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def type_name(dataset_cfg: MutableMapping) -> str:
    """The registered name without a scope prefix (``mmdd.SynthDataset`` ->
    ``SynthDataset``)."""
    name = dataset_cfg.get('type', '')
    return name.rsplit('.', 1)[-1] if isinstance(name, str) else \
        getattr(name, '__name__', '')


def is_wrapper(dataset_cfg: MutableMapping) -> bool:
    """Whether the config wraps other dataset configs."""
    return isinstance(dataset_cfg.get('dataset'), MutableMapping) or bool(
        dataset_cfg.get('datasets'))


def iter_dataset_cfgs(
        dataset_cfg: MutableMapping,
        types: Optional[Sequence[str]] = None) -> Iterator[MutableMapping]:
    """Yield ``dataset_cfg`` and every dataset config wrapped inside it,
    outer first; only those whose type is in ``types`` when it is given
    (names compared without a scope prefix). The dicts are yielded, not
    copied, so changing them changes the config."""
    if types is None or type_name(dataset_cfg) in types:
        yield dataset_cfg
    inner = dataset_cfg.get('dataset')
    if isinstance(inner, MutableMapping):
        yield from iter_dataset_cfgs(inner, types)
    for sub in dataset_cfg.get('datasets', None) or []:
        if isinstance(sub, MutableMapping):
            yield from iter_dataset_cfgs(sub, types)


def iter_loader_dataset_cfgs(
        cfg: MutableMapping, types: Optional[Sequence[str]] = None,
        loaders: Sequence[str] = LOADERS) -> Iterator[MutableMapping]:
    """:func:`iter_dataset_cfgs` over the datasets of a whole config's
    dataloaders (train, val and test by default; absent ones skipped)."""
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if loader_cfg and loader_cfg.get('dataset') is not None:
            yield from iter_dataset_cfgs(loader_cfg['dataset'], types)


__getattr__, _ = lazy_exports(
    __name__, {'..datasets.synth_type': ('is_synth_dataset', )})
