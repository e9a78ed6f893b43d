"""SynthDataset: generate what the cache lacks, then read it like mmseg."""
import hashlib
import json
from pathlib import Path

import diffusers
import numpy as np
import pytest
import torch
from PIL import Image

from mmdd.datasets import CacheMismatchError, SynthDataset
from tests.utils import TOY_CLASSES, logged_messages


def cache_bytes(root, folders=('image', 'mask', 'confidence')) -> dict:
    return {
        f'{folder}/{p.name}': p.read_bytes()
        for folder in folders
        for p in sorted((root / folder).iterdir())
    }


def test_generates_then_reads_like_an_mmseg_dataset(build, tmp_path):
    dataset = build()
    assert isinstance(dataset, SynthDataset) and len(dataset) == 5
    cache = tmp_path / 'cache'
    for folder, suffix in (('image', 'jpg'), ('mask', 'png'),
                           ('confidence', 'png'), ('meta', 'json')):
        assert sorted(p.name for p in (cache / folder).iterdir()) == [
            f'00000{i}.{suffix}' for i in range(5)
        ]
    mask = Image.open(cache / 'mask' / '000003.png')
    assert mask.mode == 'P'  # palette PNG, readable in any viewer
    assert set(np.unique(np.array(mask))) <= {0, 1, 2, 255}
    meta = json.loads((cache / 'meta' / '000004.json').read_text())
    # Sample i: prompt i % 3, seed 1111 + i.
    assert meta['seed'] == 1115 and meta['prompt_id'] == 'p1'
    assert meta['prompt'] == 'a blue disc; disc'
    # Where it was made (hole 9): what can change the bytes.
    made = meta['provenance']
    assert made['device'].startswith('cpu') and made['dtype'] == 'fp32'
    assert made['torch'] == torch.__version__
    assert made['diffusers'] == diffusers.__version__
    assert made['threads'] == torch.get_num_threads()
    # Every file's sha256 (hole 2).
    assert meta['sha256']['mask'] == hashlib.sha256(
        (cache / 'mask' / '000004.png').read_bytes()).hexdigest()
    manifest = json.loads((cache / 'manifest.json').read_text())
    assert manifest['settings']['seed'] == 1111
    assert manifest['settings']['classes'] == list(TOY_CLASSES)
    # The model by content (hole 1), its path only as a note.
    assert manifest['settings']['model'].startswith('sha256:')
    assert 'unet/diffusion_pytorch_model.safetensors' in manifest['sources'][
        'model_files']

    sample = dataset[3]
    label = sample['data_samples'].gt_sem_seg.data
    assert label.shape == (1, 64, 64)
    np.testing.assert_array_equal(label[0].numpy(), np.array(mask))
    info = dataset.get_data_info(3)
    assert info['confidence_path'].endswith('confidence/000003.png')


@pytest.mark.slow
def test_rerun_reads_the_cache_without_loading_a_model(build, monkeypatch):
    build()
    import mmdd.diffusion.models.loading as generator
    monkeypatch.setattr(generator, 'load_pipeline', _refuse)
    assert len(build()) == 5


def _refuse(*args, **kwargs):
    raise AssertionError('the cache is complete: nothing should be generated')


@pytest.mark.slow
def test_more_samples_extend_the_cache(build, tmp_path):
    build(num_samples=3)  # blocks [0, 1] and [2]
    before = cache_bytes(tmp_path / 'cache')
    assert len(build(num_samples=5)) == 5  # blocks [0, 1], [2, 3], [4]
    after = cache_bytes(tmp_path / 'cache')
    full_block = [k for k in before if Path(k).stem in ('000000', '000001')]
    assert len(full_block) == 6
    assert {
        k: after[k]
        for k in full_block
    } == {
        k: before[k]
        for k in full_block
    }
    assert len(after) == 15


@pytest.mark.slow
def test_damaged_samples_are_reported_and_regenerated(build, tmp_path):
    build()
    cache = tmp_path / 'cache'
    good = cache_bytes(cache)
    mask = cache / 'mask' / '000002.png'
    mask.write_bytes(mask.read_bytes()[:40])  # truncated
    (cache / 'image' / '000004.jpg').unlink()  # lost
    (cache / 'meta' / '000001.json').write_text('{not json')  # garbage
    damaged = [m for m in logged_messages(build) if 'is damaged' in m]
    assert len(damaged) == 3, damaged
    assert any('000002.png has 40 bytes' in m for m in damaged)
    # Regenerated samples are the same bytes: seeds are per sample.
    assert cache_bytes(cache) == good


def test_other_settings_are_refused_with_the_differences(build):
    build()
    with pytest.raises(CacheMismatchError) as err:
        build(seed=7)
    message = str(err.value)
    assert 'seed: cache has 1111, config asks for 7' in message
    assert 'new folder' in message
    with pytest.raises(CacheMismatchError) as err:
        build(generation=dict(num_inference_steps=2, tau=1))
    # Only the generation keys that differ, not two whole dicts.
    assert 'generation.tau: cache has 4, config asks for 1' in str(err.value)
    assert 'guidance_scale' not in str(err.value)


def test_reads_check_the_manifest_too(build):
    """generate=False over a cache made with other settings (hole 5)."""
    build()
    with pytest.raises(CacheMismatchError, match='generation.tau'):
        build(generate=False, generation=dict(num_inference_steps=2, tau=1))
    assert len(build(generate=False)) == 5


def test_partial_reads_list_the_finished_samples(build, tmp_path):
    build(num_samples=3)
    (tmp_path / 'cache' / 'meta' / '000001.json').unlink()
    with pytest.raises(FileNotFoundError) as err:
        build(generate=False, num_samples=3)
    assert '1 missing (first: 000001)' in str(err.value)
    dataset = build(generate=False, num_samples=3, allow_partial=True)
    assert [
        Path(dataset.get_data_info(i)['img_path']).name
        for i in range(len(dataset))
    ] == ['000000.jpg', '000002.jpg']


def test_read_only_mode_names_the_fix(build):
    with pytest.raises(FileNotFoundError, match='tools/generate.py'):
        build(generate=False)


def test_bad_arguments_are_named(build, tmp_path):
    with pytest.raises(ValueError, match="verify='fast'"):
        build(verify='fast')
    with pytest.raises(FileNotFoundError, match='build_voc_prompts'):
        build(prompts_file=str(tmp_path / 'nope.jsonl'))
