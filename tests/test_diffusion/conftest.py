"""Tiny random-weight Stable Diffusion pipelines, built once per session."""
import pytest


@pytest.fixture(scope='session')
def tiny_pipeline_dir(tmp_path_factory):
    """A saved tiny pipeline folder (loads through ``from_pretrained``)."""
    from mmdd.diffusion import save_random_pipeline
    return save_random_pipeline(tmp_path_factory.mktemp('tiny-sd'), 'tiny')


@pytest.fixture(scope='session')
def tiny_pipeline(tiny_pipeline_dir):
    from mmdd.diffusion import load_pipeline
    pipeline = load_pipeline(str(tiny_pipeline_dir))
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


@pytest.fixture(scope='session')
def tokenizer(tiny_pipeline):
    """The real CLIP tokenizer, as saved and reloaded with the pipeline."""
    return tiny_pipeline.tokenizer
