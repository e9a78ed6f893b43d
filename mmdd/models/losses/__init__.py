from .uncertainty_ce_loss import UncertaintyCrossEntropyLoss

__all__ = ['UncertaintyCrossEntropyLoss']
