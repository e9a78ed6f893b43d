"""The toy dataset's classes and colours, importable without OpenMMLab
(:mod:`.toy_dataset` registers the dataset; tests' SynthDataset configs
only need the names)."""
TOY_CLASSES = ('background', 'square', 'disc')
TOY_PALETTE = [[0, 0, 0], [220, 20, 60], [0, 0, 230]]
