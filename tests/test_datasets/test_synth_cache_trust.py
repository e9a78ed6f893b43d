"""What the synthetic cache guarantees (issue 9): the model by content,
every byte checked, failed starts that block nothing, one writer."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from mmdd.datasets import CacheMismatchError, SynthCache
from mmdd.datasets.cache_lock import CacheBusyError, CacheLock
from mmdd.diffusion.models.check import ModelFolderError
from mmdd.utils.atomic import temporary_path
from tests.utils import logged_messages


@pytest.fixture
def model(tiny_pipeline_dir, tmp_path):
    """A private copy of the tiny pipeline, free to change."""
    return shutil.copytree(tiny_pipeline_dir, tmp_path / 'models' / 'tiny')


@pytest.fixture
def synth_model(model):
    return model


def _refuse(*args, **kwargs):
    raise AssertionError('the cache is complete: nothing should be generated')


def _files(cache, folders=('image', 'mask', 'confidence')) -> dict:
    return {
        f'{folder}/{p.name}': p.read_bytes()
        for folder in folders
        for p in sorted((cache / folder).iterdir())
    }


def _flip(path, count: int, at: float = 0.5) -> None:
    """Invert ``count`` bytes in the middle of a file: same size."""
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    data[start:start + count] = bytes(b ^ 0xFF
                                      for b in data[start:start + count])
    path.write_bytes(bytes(data))


# ------------------------------------------------------ hole 1: identity
def test_weights_changed_in_place_are_refused(build, model, tmp_path):
    build(num_samples=2)
    _flip(model / 'unet' / 'diffusion_pytorch_model.safetensors', 4, 0.9)
    with pytest.raises(CacheMismatchError) as err:
        build(num_samples=4)
    message = str(err.value)
    assert 'model: cache has' in message
    assert 'files that differ: unet/diffusion_pytorch_model.safetensors' \
        in message
    assert len(list((tmp_path / 'cache' / 'meta').iterdir())) == 2


@pytest.mark.slow
def test_the_same_weights_under_any_spelling_are_accepted(
        build, model, tmp_path, monkeypatch):
    build(num_samples=2)
    import mmdd.diffusion.models.loading as generator
    monkeypatch.setattr(generator, 'load_pipeline', _refuse)
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'link').symlink_to(model)
    copy = shutil.copytree(model, tmp_path / 'elsewhere' / 'copy')
    for spelling in ('./models/tiny', 'models/tiny/', str(model.resolve()),
                     'link', str(copy)):
        assert len(build(model=spelling, num_samples=2)) == 2, spelling


# ------------------------------------------------------ hole 2: checksums
@pytest.mark.slow
def test_same_size_damage_is_found_by_file_and_repaired(build, tmp_path):
    build()  # blocks [0, 1], [2, 3], [4]
    cache = tmp_path / 'cache'
    clean = _files(cache)
    damaged = [
        cache / 'image' / '000001.jpg', cache / 'mask' / '000002.png',
        cache / 'confidence' / '000004.png'
    ]
    for path in damaged:
        _flip(path, 16 if path.suffix == '.jpg' else 8)
    untouched = {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for folder in ('image', 'mask', 'confidence', 'meta')
        for p in (cache / folder).iterdir() if p.stem in ('000000', '000003')
    }
    # The fast mode compares sizes only: it cannot see this.
    assert SynthCache(cache).problem('000001', 'size') is None

    messages = [m for m in logged_messages(build) if 'is damaged' in m]
    assert len(messages) == 3, messages
    for path in damaged:
        assert any(str(path) in m and 'sha256' in m for m in messages)
    assert _files(cache) == clean
    # Block partners of the damaged samples were recomputed, not rewritten.
    assert {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for p in untouched
    } == untouched


def test_a_sample_that_fails_to_decode_names_its_file(build, tmp_path):
    dataset = build()
    mask = tmp_path / 'cache' / 'mask' / '000002.png'
    _flip(mask, 8, 0.0)  # the PNG signature: PIL cannot identify it
    with pytest.raises(RuntimeError) as err:
        dataset[2]
    assert str(mask) in str(err.value)
    assert 'tools/generate.py' in str(err.value)


# ------------------------------------------- holes 3 and 6: failed starts
def _empty_prompts(tmp_path):
    path = tmp_path / 'empty.jsonl'
    path.write_text('\n  \n')
    return dict(prompts_file=str(path))


def _without_parts(tmp_path, model):
    broken = shutil.copytree(model, tmp_path / 'broken')
    shutil.rmtree(broken / 'unet')
    shutil.rmtree(broken / 'vae')
    return dict(model=str(broken))


def _file_in_the_way(tmp_path):
    (tmp_path / 'a-file').write_text('')
    return dict(cache_dir=str(tmp_path / 'a-file' / 'cache'))


FAILED_STARTS = {
    'missing model folder':
    (lambda tmp_path, model: dict(model=str(tmp_path / 'nope' / 'x' / 'm')),
     FileNotFoundError, 'does not exist'),
    'folder without unet and vae':
    (_without_parts, ModelFolderError, r'unet/ \(a UNet2DConditionModel\) '
     r'is missing\n  vae/ \(a AutoencoderKL\) is missing'),
    'empty prompts file': (lambda tmp_path, model: _empty_prompts(tmp_path),
                           ValueError, 'holds no prompt'),
    'height not a multiple of 8': (lambda tmp_path, model: dict(
        generation=dict(num_inference_steps=2, height=60)), ValueError,
                                   'height=60 .* multiples of 8 .* height=56'),
    'a file where the cache folder should be':
    (lambda tmp_path, model: _file_in_the_way(tmp_path), NotADirectoryError,
     'a-file is a file'),
}


@pytest.mark.slow
@pytest.mark.parametrize('cause', list(FAILED_STARTS))
def test_a_failed_start_blocks_nothing(build, model, tmp_path, cause):
    make_overrides, error, pattern = FAILED_STARTS[cause]
    with pytest.raises(error, match=pattern):
        build(**make_overrides(tmp_path, model))
    assert not (tmp_path / 'cache').exists()  # nothing was written
    assert len(build()) == 5  # the corrected run


def test_one_slash_path_that_does_not_exist_mentions_the_folder(
        build, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    with pytest.raises(FileNotFoundError, match='neither a local folder'):
        build(model='models/shapes-t2i')


def test_a_manifest_without_samples_is_replaced(build, monkeypatch):
    """A start that fails after the manifest (here: loading the model)
    does not bind the folder to its settings."""
    import mmdd.diffusion.models.loading as generator
    with monkeypatch.context() as patch:
        patch.setattr(generator, 'load_pipeline', _crash)
        with pytest.raises(RuntimeError, match='out of memory'):
            build(seed=7)
    assert len(build()) == 5


def _crash(*args, **kwargs):
    raise RuntimeError('CUDA out of memory (simulated)')


# ---------------------------------------------------- hole 4: one writer
def test_a_second_run_can_stop_at_once_naming_the_writer(build, tmp_path):
    cache = tmp_path / 'cache'
    cache.mkdir()
    with CacheLock(cache):
        with pytest.raises(CacheBusyError) as err:
            build(wait_for_other_run=False)
    assert f'PID {os.getpid()}' in str(err.value)
    assert not (cache / 'meta').exists()


def test_only_dead_writers_temporaries_are_removed(tmp_path):
    cache = SynthCache(tmp_path)
    (tmp_path / 'mask').mkdir()
    live = temporary_path(tmp_path / 'mask' / '000000.png')
    live.write_bytes(b'live')
    dead_pid = subprocess.run(
        [sys.executable, '-c', 'import os; print(os.getpid())'],
        capture_output=True, text=True).stdout.strip()
    dead = live.with_name(live.name.rsplit('-', 1)[0] + f'-{dead_pid}')
    dead.write_bytes(b'dead')
    assert cache.remove_temporaries() == 1
    assert live.exists() and not dead.exists()


def test_manifest_differences_name_only_what_differs(tmp_path):
    from mmdd.datasets.cache_manifest import differences
    old = dict(seed=1, generation=dict(tau=4, steps=100))
    assert differences(old, dict(seed=1, generation=dict(
        tau=1,
        steps=100))) == ['generation.tau: cache has 4, config asks for 1']
    assert json.loads(json.dumps(old)) == old
