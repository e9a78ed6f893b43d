"""mmengine's DDP wrapper, usable for CPU (gloo) jobs as well as GPU ones."""
from mmengine.model import MMDistributedDataParallel

from mmdd.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MMDistributedDataParallelAnyDevice(MMDistributedDataParallel):
    """The Runner passes ``device_ids=[LOCAL_RANK]``, which DDP refuses for a
    module on the CPU; drop it there. On GPUs this is
    MMDistributedDataParallel.
    """

    def __init__(self, module, device_ids=None, **kwargs) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        super().__init__(module=module,
                         device_ids=None if on_cpu else device_ids, **kwargs)
