import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmdd.datasets import SynthCache
from mmdd.prompts import PromptRecord, write_prompts
from mmdd.testing.toy_dataset import TOY_CLASSES, TOY_PALETTE
from tests.utils import DEMO_CONFIG, REPO_ROOT, load_script, logged_messages


@pytest.fixture(scope='module')
def tool():
    return load_script(REPO_ROOT / 'tools' / 'browse_dataset.py')


def _stats(out):
    summary = json.loads((out / 'class_stats.json').read_text())
    with open(out / 'class_stats.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    # The CSV says what the JSON says.
    assert [int(r['pixels']) for r in rows] == [
        c['pixels'] for c in summary['classes'] + [summary['uncertain']]
    ]
    return summary


def _toy_labels(root, split='train'):
    return [
        np.asarray(Image.open(p))
        for p in sorted(Path(root, 'ann_dir', split).glob('*.png'))
    ]


def test_toy_dataset(tool, toy_data_root, tmp_path, capsys):
    out = tmp_path / 'browse'
    assert tool.main([
        str(DEMO_CONFIG), '--num', '2', '--out',
        str(out), '--cfg-options',
        f'train_dataloader.dataset.data_root={toy_data_root}'
    ]) == 0
    assert sorted(p.name for p in (out / 'samples').iterdir()) == [
        '00000_0000.png', '00001_0001.png'
    ]
    assert (out / 'class_stats.png').stat().st_size > 0
    assert str(out / 'samples') in capsys.readouterr().out

    labels = _toy_labels(toy_data_root)
    summary = _stats(out)
    total = sum(label.size for label in labels)
    assert summary['num_images'] == len(labels) == 12
    assert summary['num_pixels'] == total
    for index, row in enumerate(summary['classes']):
        pixels = sum(int((label == index).sum()) for label in labels)
        assert row['name'] == TOY_CLASSES[index]
        assert row['pixels'] == pixels
        assert row['pixel_share'] == pytest.approx(pixels / total)
        assert row['images'] == sum(
            bool((label == index).any()) for label in labels)
    assert summary['uncertain']['pixels'] == 0


def test_reduce_zero_label_follows_mmseg(tool, toy_data_root, tmp_path):
    """Background (0) becomes ignored and the other ids shift down by one,
    as mmseg's LoadAnnotations does in training."""
    out = tmp_path / 'browse'
    assert tool.main([
        str(DEMO_CONFIG), '--split', 'val', '--num', '0', '--out',
        str(out), '--cfg-options',
        f'val_dataloader.dataset.data_root={toy_data_root}',
        'val_dataloader.dataset.reduce_zero_label=True'
    ]) == 0
    labels = _toy_labels(toy_data_root, 'val')
    summary = _stats(out)
    assert summary['uncertain']['pixels'] == sum(
        int((label == 0).sum()) for label in labels)
    assert [c['pixels'] for c in summary['classes']] == [
        sum(int((label == v).sum()) for label in labels) for v in (1, 2, 3)
    ]
    assert not list((out / 'samples').iterdir())


# ---------------------------------------------------------- synthetic cache
def _write_cache(root, count):
    """``count`` hand-made samples: an uncertain band between a square and
    background, confidence falling from 1 (left) to 0 (right)."""
    cache = SynthCache(root / 'cache')
    labels = []
    for index in range(count):
        label = np.zeros((48, 64), np.uint8)
        label[8:30, 8:30] = 1
        label[30:34, :] = 255
        if index % 2:
            label[36:46, 40 + index:60] = 2
        image = np.asarray(TOY_PALETTE,
                           np.uint8)[np.where(label == 255, 0, label)]
        confidence = np.tile(np.linspace(1, 0, 64), (48, 1))
        cache.write_sample(
            cache.sample_id(index), image, label, confidence, TOY_PALETTE,
            meta=dict(prompt='test'))
        labels.append(label)
    classes = ['square', 'disc']
    write_prompts([PromptRecord('p0', 'shapes', classes)],
                  root / 'prompts.jsonl')
    return labels


def _synth_config(root, num_samples, repeat=False):
    dataset = (
        f"dict(type='SynthDataset', cache_dir={str(root / 'cache')!r}, "
        f"prompts_file={str(root / 'prompts.jsonl')!r}, "
        f"model='no/such-model', num_samples={num_samples}, "
        f'metainfo=dict(classes={TOY_CLASSES!r}, palette={TOY_PALETTE}), '
        "pipeline=[dict(type='LoadImageFromFile')])")
    if repeat:
        dataset = f"dict(type='RepeatDataset', times=2, dataset={dataset})"
    path = root / 'synth_config.py'
    path.write_text("default_scope = 'mmdd'\n"
                    f'train_dataloader = dict(dataset={dataset})\n')
    return str(path)


@pytest.mark.slow
def test_synth_cache(tool, tmp_path):
    labels = _write_cache(tmp_path, 3)
    out = tmp_path / 'browse'
    assert tool.main([_synth_config(tmp_path, 3), '--out', str(out)]) == 0
    assert len(list((out / 'samples').glob('*.png'))) == 3

    summary = _stats(out)
    total = sum(label.size for label in labels)
    assert summary['uncertain']['pixels'] == 3 * 4 * 64
    assert summary['uncertain']['pixel_share'] == pytest.approx(3 * 4 * 64 /
                                                                total)
    assert summary['uncertain']['images'] == 3
    assert [c['images'] for c in summary['classes']] == [3, 3, 1]
    assert summary['classes'][2]['pixels'] == 10 * (60 - 41)


@pytest.mark.parametrize('repeat', [False, True])
def test_a_partial_cache_shows_what_exists(tool, tmp_path, repeat):
    """A SynthDataset, wrapped or not, is read with generate=False: the
    finished samples are shown (e.g. while generation runs), the missing
    and damaged ones reported, none generated."""
    _write_cache(tmp_path, 4)
    (tmp_path / 'cache' / 'meta' / '000001.json').unlink()  # in flight
    for sample_id in ('000002', '000003'):  # same size, other bytes
        mask = tmp_path / 'cache' / 'mask' / f'{sample_id}.png'
        data = bytearray(mask.read_bytes())
        data[len(data) // 2] ^= 0xFF
        mask.write_bytes(bytes(data))
    config = _synth_config(tmp_path, 5, repeat)
    out = tmp_path / 'browse'
    codes = []
    report = '\n'.join(
        logged_messages(lambda: codes.append(
            tool.main([config, '--out', str(out)]))))
    assert codes == [0]
    # Only sample 000000 is ready (drawn twice when repeated).
    assert {p.name.split('_')[1]
            for p in (out / 'samples').glob('*.png')} == {'000000.png'}
    assert '1 of 5 samples' in report and '2 missing (first: 000001)' in report
    for sample_id in ('000002', '000003'):
        assert f'mask/{sample_id}.png has changed' in report
    assert not (tmp_path / 'cache' / 'manifest.json').exists()


def test_a_cache_made_with_other_settings_is_refused(tool, tmp_path, capsys):
    _write_cache(tmp_path, 2)
    settings = dict(seed=1111, generation=dict(tau=1))
    (tmp_path / 'cache' / 'manifest.json').write_text(
        json.dumps(dict(version=2, settings=settings, sources={})))
    assert tool.main(
        [_synth_config(tmp_path, 2), '--out',
         str(tmp_path / 'browse')]) == 1
    err = capsys.readouterr().err
    assert 'generation.tau: cache has 1, config asks for 4' in err


def test_missing_split(tool, tmp_path, capsys):
    _write_cache(tmp_path, 1)
    config = _synth_config(tmp_path, 1)
    assert tool.main([config, '--split', 'val']) == 1
    assert 'no val_dataloader' in capsys.readouterr().err
