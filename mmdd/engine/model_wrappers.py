"""mmengine's DDP wrapper, usable for CPU (gloo) jobs as well as GPU ones,
and in the training ranks' own group of a split-ranks job."""
from mmengine.model import MMDistributedDataParallel
from torch.nn import SyncBatchNorm

from mmdd.distributed.split_ranks import training_group
from mmdd.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MMDistributedDataParallelAnyDevice(MMDistributedDataParallel):
    """The Runner passes ``device_ids=[LOCAL_RANK]``, which DDP refuses for a
    module on the CPU; drop it there. On GPUs this is
    MMDistributedDataParallel. In a split-ranks job
    (:mod:`mmdd.distributed.split_ranks`) DDP and SyncBN reduce over the
    training ranks only.
    """

    def __init__(self, module, device_ids=None, **kwargs) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        group = training_group()
        if group is not None:
            kwargs.setdefault('process_group', group)
            for layer in module.modules():
                if isinstance(layer, SyncBatchNorm):
                    layer.process_group = group
        super().__init__(module=module,
                         device_ids=None if on_cpu else device_ids, **kwargs)
