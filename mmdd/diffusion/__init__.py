"""Stable Diffusion images with attention-derived pixel labels.

This sub-package depends on torch, diffusers, transformers and numpy only; it
never imports mmseg, so it can be used (and benchmarked) on its own.
"""
