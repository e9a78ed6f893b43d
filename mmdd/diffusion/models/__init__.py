"""Diffusion checkpoints: their names, folder checks and fingerprints."""
