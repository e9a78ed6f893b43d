from .toy_dataset import ToyShapesDataset, make_toy_dataset

__all__ = ['ToyShapesDataset', 'make_toy_dataset']
