from .confidence import LoadConfidenceMap, PackSegInputsWithConfidence
from .random_crop import RandomCrop

__all__ = ['LoadConfidenceMap', 'PackSegInputsWithConfidence', 'RandomCrop']
