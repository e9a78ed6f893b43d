"""``mmdd::NAME`` names the models shipped inside the installed package."""
from pathlib import Path

import pytest

import mmdd
from mmdd.diffusion import load_pipeline
from mmdd.diffusion.models.names import resolve_model_name


def test_shipped_name_resolves_inside_the_package(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not relative to the working directory
    path = Path(resolve_model_name('mmdd::shapes-t2i'))
    assert path.is_absolute()
    assert path == Path(mmdd.__file__).parent / 'shapes/pretrained/shapes-t2i'
    assert (path / 'model_index.json').is_file()


@pytest.mark.parametrize('model', [
    'stabilityai/stable-diffusion-2-1-base', 'data/my-sd', '/abs/sd',
    'mmdd/shapes/pretrained/shapes-t2i'
])
def test_other_names_pass_unchanged(model):
    assert resolve_model_name(model) == model


def test_unknown_shipped_name_lists_the_shipped_ones():
    with pytest.raises(ValueError) as err:
        resolve_model_name('mmdd::shapes')
    assert "'mmdd::shapes'" in str(err.value)
    assert 'mmdd::shapes-t2i' in str(err.value)
    with pytest.raises(ValueError, match='mmdd::shapes-t2i'):
        load_pipeline('mmdd::sd21')


def test_load_pipeline_takes_the_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipeline = load_pipeline('mmdd::shapes-t2i')
    assert pipeline.unet.config.sample_size == 16
