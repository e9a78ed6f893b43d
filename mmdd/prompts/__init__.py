"""Prompt texts for generation: captions of real images."""
