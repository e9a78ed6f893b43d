"""Whether a dataset config builds a SynthDataset, as the registry says."""
from typing import MutableMapping


def is_synth_dataset(dataset_cfg: MutableMapping) -> bool:
    """Whether ``dataset_cfg`` builds a SynthDataset or a subclass of it
    (``SynthVOCDataset``, a user's own), as the registry of the current
    default scope resolves its type."""
    # At the call: the engine imports this module while mmdd.datasets may
    # still be importing (its streaming parts import mmdd.engine).
    from mmdd.registry import DATASETS
    from .synth_dataset import SynthDataset
    dataset_type = dataset_cfg.get('type')
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type,
                                                   str) else dataset_type
    return isinstance(cls, type) and issubclass(cls, SynthDataset)
