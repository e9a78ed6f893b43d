"""tools/shapes/make_dataset.py, tools/demo.py and bench.labels.label_quality
run end to end, with small numbers, on the shipped shapes model."""
import re
import subprocess
import sys

import pytest

from mmdd.prompts import read_prompts
from mmdd.shapes.world import SHAPES_CLASSES
from tests.utils import REPO_ROOT


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, *map(str, args)], check=True,
                          capture_output=True, text=True, cwd=cwd).stdout


@pytest.mark.slow
def test_make_dataset(tmp_path):
    out = _run(REPO_ROOT / 'tools' / 'shapes' / 'make_dataset.py', tmp_path,
               '--train', 3, '--val', 2, '--test', 2, '--prompts', 5)
    assert 'train: 3 scenes' in out
    assert len(list((tmp_path / 'ann_dir' / 'train').glob('*.png'))) == 3
    records = read_prompts(tmp_path / 'prompts.jsonl', list(SHAPES_CLASSES))
    assert len(records) == 5
    for record in records:
        assert record.caption and record.classes


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    out = _run(REPO_ROOT / 'tools' / 'demo.py', '--work-dir', tmp_path,
               '--synthetic', 4, '--test', 2, '--iters', 2,
               '--install-seconds', 61)
    assert re.search(
        r'Demo finished in \d+ s: mIoU [\d.]+ on 2 real test '
        r'scenes, trained only on 4 generated ones', out), out
    # Each stage's wall-clock time, the install as make demo passes it.
    assert re.search(
        r'Stage times: install 61 s, setup \d+ s, generation \d+ s, '
        r'training \d+ s, test \d+ s, pictures \d+ s \(total \d+ s\)\.',
        out), out
    for picture in ('synthetic_samples.png', 'confusion.png'):
        assert (tmp_path / picture).stat().st_size > 1000
    assert len(list((tmp_path / 'synth' / 'mask').glob('*.png'))) == 4


@pytest.mark.slow
def test_label_quality_bench(tmp_path):
    pictures = tmp_path / 'labels.png'
    out = _run('-m', 'bench.labels.label_quality', '--samples', 2, '--steps',
               2, 3, '--taus', 0, 4, '--pictures', pictures, '--work-dir',
               tmp_path, '--iters', 2, '--synthetic', 4, '--real-train', 4,
               '--test', 2, '--batch-size', 2, cwd=REPO_ROOT)
    rows = [
        line for line in out.splitlines()
        if re.match(r'\| [23] \| tau=[04], ', line)
    ]
    assert len(rows) == 2 * 2 * 2  # steps x taus x band or not
    assert re.search(
        r'\| real procedural scenes \(upper bound\) \| 4 \| '
        r'[\d.]+ \|', out)
    assert re.search(r'\| synthetic / real \| \| [\d.]+% \|', out)
    assert pictures.stat().st_size > 1000


@pytest.mark.slow
def test_train_and_test_tools_on_the_real_split(shapes_data_root, tmp_path):
    """tools/train.py then tools/test.py with the shapes upper-bound config:
    the real split is an ordinary mmseg dataset."""
    config = (
        REPO_ROOT / 'configs' / 'shapes' /
        'deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py')
    data = [
        f'{key}.dataset.data_root={shapes_data_root}'
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    _run(REPO_ROOT / 'tools' / 'train.py', config, '--work-dir', tmp_path,
         '--cfg-options', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
         'default_hooks.checkpoint.interval=2', *data)
    result = subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'test.py'),
        str(config),
        str(tmp_path / 'iter_2.pth'), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', *data
    ], check=True, capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert 'Iter(test) [4/4]' in log  # the fixture's 4 test scenes
    assert re.search(r'mIoU: [\d.]+', log)
    for name in SHAPES_CLASSES:
        assert re.search(rf'\|\s+{name}\s+\|', log)  # per-class table


@pytest.mark.slow
def test_label_quality_reads_self_attention_at_the_chosen_level():
    out = _run('-m', 'bench.labels.label_quality', '--samples', 1, '--steps',
               2, '--taus', 1, '--batch-size', 1, '--skip-downstream',
               '--self-attention-factor', 2, cwd=REPO_ROOT)
    # shapes-t2i: latent 16, so self-attention at 8x8 (as its cross).
    assert '(self-attention 8x8, cross-attention 8x8)' in out
