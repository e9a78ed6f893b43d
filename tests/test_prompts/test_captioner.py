"""tools/prompts/caption_images.py with a tiny random BLIP (no download)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmdd.prompts import read_captions
from mmdd.prompts.caption_files import (caption_images, images_in_folder,
                                        images_in_list)
from mmdd.prompts.captioner import Captioner
from mmdd.testing.random_captioner import SPECIAL, WORDS, save_random_captioner
from tests.utils import REPO_ROOT

TOOL = REPO_ROOT / 'tools' / 'prompts' / 'caption_images.py'
# One thread: captions are compared across runs and must not depend on it.
ENV = dict(os.environ, OMP_NUM_THREADS='1', MMDD_PROGRESS='0')


@pytest.fixture(scope='module')
def tiny_blip(tmp_path_factory) -> str:
    return str(save_random_captioner(tmp_path_factory.mktemp('tiny-blip')))


@pytest.fixture(scope='module')
def captioner(tiny_blip) -> Captioner:
    return Captioner.from_pretrained(tiny_blip, device='cpu', max_new_tokens=8,
                                     num_beams=1)


def write_images(folder: Path, count: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(start)
    for i in range(start, start + count):
        pixels = rng.integers(0, 256, (24 + i % 3 * 8, 32, 3), np.uint8)
        Image.fromarray(pixels).save(folder / f'img_{i:03d}.jpg')
    return folder


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *args],
                          capture_output=True, text=True, env=ENV, timeout=600,
                          check=False)


def test_captions_are_words_of_the_model_and_batch_invariant(
        captioner, tmp_path):
    images = [
        Image.open(p).convert('RGB')
        for p in sorted(write_images(tmp_path, 3).iterdir())
    ]
    batched = captioner(images)
    alone = [captioner([image])[0] for image in images]
    assert batched == alone
    assert len(batched) == 3 and all(batched)
    vocabulary = set(WORDS)
    for caption in batched:
        assert set(caption.split()) <= vocabulary, caption
        assert not set(caption.split()) & set(SPECIAL)


def test_prompt_is_removed_from_the_caption(tiny_blip, tmp_path):
    image = Image.open(next(write_images(tmp_path, 1).iterdir()))
    plain = Captioner.from_pretrained(tiny_blip, device='cpu',
                                      max_new_tokens=4, num_beams=1)
    prompted = Captioner.from_pretrained(tiny_blip, device='cpu', prompt='a',
                                         max_new_tokens=4, num_beams=1)
    raw = plain.processor.batch_decode(
        prompted.model.generate(
            **prompted.processor(images=[image], text=['a'],
                                 return_tensors='pt'), max_new_tokens=4),
        skip_special_tokens=True)[0]
    assert raw.startswith('a')
    assert prompted([image])[0] == ' '.join(raw.split()[1:])


@pytest.mark.slow
def test_voc_list_captions_feed_build_voc_prompts(tiny_blip, fake_voc_root,
                                                  tmp_path):
    voc = Path(fake_voc_root)
    out = tmp_path / 'voc_captions.json'
    result = run_tool('--image-dir', str(voc / 'JPEGImages'), '--image-list',
                      str(voc / 'ImageSets/Segmentation/train.txt'), '--out',
                      str(out), '--model', tiny_blip, '--batch-size', '2',
                      '--max-new-tokens', '6')
    assert result.returncode == 0, result.stderr
    assert 'images: 2; 0 captioned before, 2 now, 0 unreadable' in \
        result.stdout
    captions = json.loads(out.read_text())
    assert sorted(captions) == ['2011_000003', '2011_000004']
    assert read_captions(out) == {k: [v] for k, v in captions.items()}

    prompts = tmp_path / 'voc_train.jsonl'
    built = subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools/prompts/build_voc_prompts.py'), '--voc-root',
        str(voc), '--captions',
        str(out), '--out',
        str(prompts)
    ], capture_output=True, text=True, env=ENV, check=False)
    assert built.returncode == 0, built.stderr
    assert '0 without a caption (template)' in built.stdout
    records = [json.loads(line) for line in prompts.read_text().splitlines()]
    assert {r['id']: r['caption'] for r in records} == captions


@pytest.mark.slow
def test_unreadable_image_is_reported_skipped_and_counted(tiny_blip, tmp_path):
    folder = write_images(tmp_path / 'images', 3)
    (folder / 'broken.jpg').write_bytes(b'not an image at all')
    out = tmp_path / 'captions.json'
    result = run_tool('--image-dir', str(folder), '--out', str(out), '--model',
                      tiny_blip, '--batch-size', '2', '--max-new-tokens', '4')
    assert result.returncode == 0, result.stderr
    assert f'skipped {folder / "broken.jpg"}: UnidentifiedImageError' in \
        result.stderr
    assert '3 now, 1 unreadable' in result.stdout
    assert sorted(json.loads(
        out.read_text())) == ['img_000', 'img_001', 'img_002']


def test_rerun_captions_only_what_is_missing(captioner, tmp_path):
    images = images_in_folder(write_images(tmp_path / 'images', 3))
    out = tmp_path / 'captions.json'
    out.write_text(json.dumps({'img_001': 'kept from before'}))
    skipped = []
    summary = caption_images(captioner, images, out, batch_size=2,
                             on_skip=lambda *a: skipped.append(a))
    assert (summary.total, summary.already, summary.written) == (3, 1, 2)
    assert not skipped
    captions = json.loads(out.read_text())
    assert captions['img_001'] == 'kept from before'
    assert list(captions) == sorted(captions)  # ids sorted, stable file


@pytest.mark.slow
def test_sigkill_then_rerun_loses_nothing(tiny_blip, tmp_path):
    folder = write_images(tmp_path / 'images', 80)
    args = [
        '--image-dir',
        str(folder), '--model', tiny_blip, '--batch-size', '2',
        '--max-new-tokens', '12'
    ]
    reference = tmp_path / 'reference.json'
    assert run_tool(*args, '--out', str(reference)).returncode == 0

    out = tmp_path / 'captions.json'
    proc = subprocess.Popen(
        [sys.executable, str(TOOL), *args, '--out',
         str(out)], env=ENV, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and not (
            out.is_file() and len(json.loads(out.read_text())) >= 4):
        time.sleep(0.005)
    assert proc.poll() is None, 'captioning ended before it could be killed'
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = json.loads(out.read_text())  # whole JSON: written atomically
    assert 4 <= len(kept) < 80

    result = run_tool(*args, '--out', str(out))
    assert result.returncode == 0, result.stderr
    assert f'{len(kept)} captioned before, {80 - len(kept)} now' in \
        result.stdout
    final = json.loads(out.read_text())
    assert {k: final[k] for k in kept} == kept
    assert final == json.loads(reference.read_text())
    assert not list(tmp_path.glob('.captions.json.tmp-*'))


def test_bad_arguments_name_the_fix(captioner, tmp_path):
    images = images_in_folder(write_images(tmp_path / 'images', 1))
    with pytest.raises(ValueError, match=r'name it \*\.json'):
        caption_images(captioner, images, tmp_path / 'captions.txt')
    not_ours = tmp_path / 'list.json'
    not_ours.write_text('[1, 2]')
    with pytest.raises(ValueError, match='not a captions file'):
        caption_images(captioner, images, not_ours)
    listing = tmp_path / 'train.txt'
    listing.write_text('img_000\nimg_999\n')
    with pytest.raises(FileNotFoundError, match='img_999.jpg'):
        images_in_list(listing, tmp_path / 'images')
    (tmp_path / 'images' / 'sub').mkdir()
    write_images(tmp_path / 'images' / 'sub', 1)
    with pytest.raises(ValueError, match="same id 'img_000'"):
        images_in_folder(tmp_path / 'images')


def test_half_precision_on_cpu_warns(tiny_blip):
    with pytest.warns(UserWarning, match='10x slower'):
        Captioner.from_pretrained(tiny_blip, device='cpu', dtype='bf16')
