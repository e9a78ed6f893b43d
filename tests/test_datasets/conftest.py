import pytest
from mmengine.registry import init_default_scope

from mmdd.registry import DATASETS
from tests.utils import synth_dataset_cfg


@pytest.fixture(autouse=True)
def own_digest_memo(tmp_path, monkeypatch):
    """Model file digests are remembered in a folder of the test's own."""
    monkeypatch.setenv('MMDD_CACHE_HOME', str(tmp_path / 'mmdd-home'))


@pytest.fixture
def synth_model(tiny_pipeline_dir):
    return tiny_pipeline_dir


@pytest.fixture
def build(synth_model, toy_prompts_file, tmp_path):
    """Build a small SynthDataset over ``tmp_path / 'cache'``."""
    init_default_scope('mmdd')

    def _build(**overrides):
        cfg = synth_dataset_cfg(
            str(synth_model), toy_prompts_file, str(tmp_path / 'cache'))
        cfg.update(overrides)
        return DATASETS.build(cfg)

    return _build
