"""Model folders checked before loading; models known by their content."""
import json
import shutil
from pathlib import Path

import pytest

import mmdd.diffusion.models.fingerprint as fingerprint
from mmdd.diffusion.models.check import (ModelFolderError, check_image_size,
                                         check_model_folder, size_multiple)
from mmdd.diffusion.models.fingerprint import (FileDigests, changed_files,
                                               folder_fingerprint,
                                               model_identity)
from mmdd.shapes import DEFAULT_MODEL

SDXL_PARTS = {
    'unet': ['diffusers', 'UNet2DConditionModel'],
    'vae': ['diffusers', 'AutoencoderKL'],
    'text_encoder': ['transformers', 'CLIPTextModel'],
    'text_encoder_2': ['transformers', 'CLIPTextModelWithProjection'],
    'tokenizer': ['transformers', 'CLIPTokenizer'],
    'tokenizer_2': ['transformers', 'CLIPTokenizer'],
    'scheduler': ['diffusers', 'EulerDiscreteScheduler'],
    'image_encoder': [None, None],
}


@pytest.fixture(autouse=True)
def own_digest_memo(tmp_path, monkeypatch):
    monkeypatch.setenv('MMDD_CACHE_HOME', str(tmp_path / 'mmdd-home'))


def _sdxl_like(root: Path) -> Path:
    """An SDXL folder's layout (configs and weight files, no real model)."""
    root.mkdir()
    (root / 'model_index.json').write_text(
        json.dumps(
            dict(_class_name='StableDiffusionXLPipeline', **SDXL_PARTS)))
    for part, (_, cls) in SDXL_PARTS.items():
        if cls is None:
            continue
        (root / part).mkdir()
        if 'Tokenizer' in cls:
            (root / part / 'tokenizer_config.json').write_text('{}')
        elif 'Scheduler' in cls:
            (root / part / 'scheduler_config.json').write_text('{}')
        else:
            (root / part / 'config.json').write_text(
                json.dumps(
                    dict(
                        block_out_channels=[128, 256, 512, 512],
                        down_block_types=[
                            'DownBlock2D', 'CrossAttnDownBlock2D',
                            'CrossAttnDownBlock2D'
                        ], sample_size=128)))
            (root / part / 'model.safetensors').write_bytes(part.encode())
    return root


def test_sdxl_folders_are_accepted_and_their_parts_required(tmp_path):
    folder = _sdxl_like(tmp_path / 'sdxl')
    assert 'text_encoder_2' in check_model_folder(folder)
    # 2**3 (VAE) x 2**2 (UNet): SDXL's 1024 px fits.
    assert size_multiple(folder) == 32
    assert check_image_size(folder, None, None) == (1024, 1024)
    shutil.rmtree(folder / 'tokenizer_2')
    (folder / 'text_encoder_2' / 'model.safetensors').unlink()
    with pytest.raises(ModelFolderError) as err:
        check_model_folder(folder)
    assert 'text_encoder_2/ has no weight file' in str(err.value)
    assert 'tokenizer_2/ (a CLIPTokenizer) is missing' in str(err.value)


def test_a_folder_without_model_index_is_named(tmp_path):
    with pytest.raises(ModelFolderError, match='no model_index.json'):
        check_model_folder(tmp_path)


def test_the_shapes_model_sizes():
    assert size_multiple(DEFAULT_MODEL) == 8
    with pytest.raises(ValueError, match='height=60 .* height=56'):
        check_image_size(DEFAULT_MODEL, 60, 64)


def test_identity_follows_content_not_spelling(tmp_path):
    model = shutil.copytree(DEFAULT_MODEL, tmp_path / 'a' / 'shapes')
    first = model_identity(model)
    assert first['fingerprint'].startswith('sha256:')
    assert 'train_settings.json' not in first['files']  # not a model file
    (tmp_path / 'link').symlink_to(model)
    copy = shutil.copytree(model, tmp_path / 'copy')
    for spelling in (f'{model}/', tmp_path / 'link', copy):
        assert model_identity(spelling)['fingerprint'] == \
            first['fingerprint']
    weights = model / 'vae' / 'diffusion_pytorch_model.safetensors'
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    changed = model_identity(model)
    assert changed['fingerprint'] != first['fingerprint']
    assert changed_files(first['files'], changed['files']) == [
        'vae/diffusion_pytorch_model.safetensors'
    ]


def test_file_digests_are_remembered(tmp_path, monkeypatch):
    model = shutil.copytree(DEFAULT_MODEL, tmp_path / 'shapes')
    folder_fingerprint(model)
    reads = []
    monkeypatch.setattr(fingerprint, 'sha256_of',
                        lambda path: reads.append(path) or 'x')
    folder_fingerprint(model, FileDigests())  # a new run: read from memo
    assert reads == []
    (model / 'unet' / 'config.json').touch()
    folder_fingerprint(model, FileDigests())
    assert [Path(p).name for p in reads] == ['config.json']


def test_a_path_that_is_no_hub_id_fails_without_the_network(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        model_identity(str(tmp_path / 'nope'))


def test_a_hub_id_is_known_by_the_revision_it_resolves_to(
        tmp_path, monkeypatch):
    """A newer revision of the same hub id is another model."""
    import huggingface_hub.constants as constants
    monkeypatch.setattr(constants, 'HF_HUB_CACHE', str(tmp_path))
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    repo = tmp_path / 'models--owner--model'
    for revision in ('a' * 40, 'b' * 40):
        snapshot = repo / 'snapshots' / revision
        snapshot.mkdir(parents=True)
        (snapshot / 'model_index.json').write_text('{}')
        (repo / 'refs').mkdir(exist_ok=True)
        (repo / 'refs' / 'main').write_text(revision)
        assert model_identity('owner/model') == dict(
            fingerprint=f'hub:owner/model@{revision}')
