from .model_wrappers import MMDistributedDataParallelAnyDevice

__all__ = ['MMDistributedDataParallelAnyDevice']
