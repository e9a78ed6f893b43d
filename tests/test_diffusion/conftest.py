"""The tiny random-weight pipeline, loaded once per session.

``tiny_pipeline_dir`` (the saved folder) comes from ``tests/conftest.py``.
"""
import pytest


@pytest.fixture(scope='session')
def tiny_pipeline(tiny_pipeline_dir):
    """Loaded through ``load_pipeline``: the real from_pretrained path."""
    from mmdd.diffusion import load_pipeline
    pipeline = load_pipeline(str(tiny_pipeline_dir))
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


@pytest.fixture(scope='session')
def tokenizer(tiny_pipeline):
    """The real CLIP tokenizer, as saved and reloaded with the pipeline."""
    return tiny_pipeline.tokenizer
