"""tools/shapes/make_dataset.py, tools/demo.py and bench/label_quality.py
run end to end, with small numbers, on the shipped shapes model."""
import re
import subprocess
import sys

from mmdd.diffusion.prompt_builder import read_prompts
from mmdd.shapes.world import SHAPES_CLASSES
from tests.conftest import REPO_ROOT


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, *map(str, args)], check=True,
                          capture_output=True, text=True, cwd=cwd).stdout


def test_make_dataset(tmp_path):
    out = _run(REPO_ROOT / 'tools' / 'shapes' / 'make_dataset.py', tmp_path,
               '--train', 3, '--val', 2, '--test', 2, '--prompts', 5)
    assert 'train: 3 scenes' in out
    assert len(list((tmp_path / 'ann_dir' / 'train').glob('*.png'))) == 3
    records = read_prompts(tmp_path / 'prompts.jsonl', list(SHAPES_CLASSES))
    assert len(records) == 5
    for record in records:
        assert record.prompt == (record.caption + '; ' +
                                 ' '.join(record.classes))


def test_demo_end_to_end(tmp_path):
    out = _run(REPO_ROOT / 'tools' / 'demo.py', '--work-dir', tmp_path,
               '--synthetic', 4, '--test', 2, '--iters', 2)
    assert re.search(r'Demo finished in \d+ s: mIoU [\d.]+ on 2 real test '
                     r'scenes, trained only on 4 generated ones', out), out
    for picture in ('synthetic_samples.png', 'confusion.png'):
        assert (tmp_path / picture).stat().st_size > 1000
    assert len(list((tmp_path / 'synth' / 'mask').glob('*.png'))) == 4


def test_label_quality_bench(tmp_path):
    pictures = tmp_path / 'labels.png'
    out = _run(REPO_ROOT / 'bench' / 'label_quality.py', '--samples', 2,
               '--steps', 2, 3, '--taus', 0, 4, '--pictures', pictures,
               '--work-dir', tmp_path, '--iters', 2, '--synthetic', 4,
               '--real-train', 4, '--test', 2, '--batch-size', 2)
    rows = [line for line in out.splitlines()
            if re.match(r'\| [23] \| tau=[04], ', line)]
    assert len(rows) == 2 * 2 * 2  # steps x taus x band or not
    assert re.search(r'\| real procedural scenes \(upper bound\) \| 4 \| '
                     r'[\d.]+ \|', out)
    assert re.search(r'\| synthetic / real \| \| [\d.]+% \|', out)
    assert pictures.stat().st_size > 1000
