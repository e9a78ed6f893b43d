"""The shapes world: a measurable miniature of Dataset Diffusion.

- :mod:`.world`: procedural scenes, captions, exact labels, colour oracle
  (numpy + OpenCV only);
- :mod:`.t2i`: the tiny text-to-image model (diffusers layout) and its
  training;
- :mod:`.fidelity`: attention labels scored against the oracle;
- :mod:`.prompts`: SynthDataset prompts from the world's captions.

The trained model ships in ``pretrained/shapes-t2i`` (:data:`DEFAULT_MODEL`).
The mmseg dataset of the real splits is
:class:`mmdd.datasets.ShapesDataset`.
"""
import os.path as osp

DEFAULT_MODEL = osp.join(
    osp.dirname(osp.abspath(__file__)), 'pretrained', 'shapes-t2i')
