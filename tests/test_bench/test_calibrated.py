"""bench.labels.calibrated: its table, its read-back of finished
calibrations, and a smoke run end to end (calibration, caches, trainings)."""
import json
import os
import subprocess
import sys

import pytest

from bench.labels.beyond_search import HELDOUT_SEED, VAL_SEED
from bench.labels.calibrated_report import (SettingsRow, calibration_lines,
                                            results_table)
from bench.labels.calibrated_rows import CALIBRATION_SEED, calibrate_model
from mmdd.datasets.shapes_dataset import SPLIT_SEEDS
from tests.utils import REPO_ROOT


def test_table_has_a_row_per_setting_and_the_real_one():
    rows = {
        'mmdd::shapes-t2i': [
            SettingsRow('paper', 'e_tau1', {}, 0.777, 0.819),
            SettingsRow('oracle', 'best', dict(tau=2), 0.875, None),
        ]
    }
    down = {'mmdd::shapes-t2i': {'e_tau1': (79.1, 0.4)}}
    table = results_table(rows, down, (83.7, 0.1), 400).splitlines()
    assert len(table) == 2 + 2 + 1
    assert table[2].split(' | ')[1:] == [
        'paper', 'none', '77.7', '81.9', '79.1 ± 0.4', '94.5% |'
    ]
    # Not trained, not measured: a dash, never a number.
    assert table[3].split(' | ')[2:] == ['tau=2', '87.5', '-', '-', '- |']
    assert table[4].startswith('| real (400 scenes) |')
    assert table[4].endswith('| 83.7 ± 0.1 | 100.0% |')
    assert results_table(rows, {}, None,
                         4).splitlines()[2].endswith('| - | - |')


def test_calibration_line_names_candidates_passes_and_time():
    record = dict(
        settings=dict(images=32), candidates=57, passes=16, seconds=281.4,
        val=dict(config=0.764,
                 calibrated=0.999), test=dict(config=0.774, calibrated=1.0))
    assert calibration_lines({
        'm': record
    }) == ('- `m`: 32 real scenes, 57 candidates scored, 16 denoiser passes, '
           '281 s; label mIoU val 76.4 -> 99.9, test 77.4 -> 100.0')


def test_calibration_seeds_are_no_splits_nor_label_beyonds():
    # Each range of 10 000 seeds from a start: none meets the calibration's.
    starts = list(SPLIT_SEEDS.values()) + [VAL_SEED, HELDOUT_SEED]
    assert all(abs(s - CALIBRATION_SEED) >= 10_000 for s in starts)


class Loaded(Exception):
    pass


def load_nothing():
    raise Loaded


def test_a_finished_calibration_is_read_back_only_for_its_settings(tmp_path):
    base = dict(tau=1)
    settings = dict(images=8, first_seed=CALIBRATION_SEED, steps=4, base=base)
    record = dict(settings=settings, changes=dict(tau=2))
    (tmp_path / 'calibration.json').write_text(json.dumps(record))
    assert calibrate_model(load_nothing, 'm', base, str(tmp_path), 8, 4,
                           8) == record
    for other in ((16, 4, base), (8, 2, base), (8, 4, dict(tau=4))):
        with pytest.raises(Loaded):  # calibrates again: loads the model
            calibrate_model(load_nothing, 'm', other[2], str(tmp_path),
                            other[0], other[1], 8)


@pytest.mark.slow
def test_smoke_run_calibrates_generates_trains_and_reads_back(tmp_path):
    work = tmp_path / 'work'
    args = [
        sys.executable, '-m', 'bench.labels.calibrated', '--models',
        'mmdd::shapes-t2i', '--seeds', '0', '--iters', '20', '--num-synthetic',
        '16', '--num-calibration', '8', '--val-samples', '4', '--heldout', '4',
        '--real-train', '8', '--test', '4', '--workers', '1', '--work-dir',
        str(work)
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    out = subprocess.run(args, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    table = out.stdout[out.stdout.rindex('| model | settings'):]
    rows = [line.split(' | ') for line in table.splitlines()[2:6]]
    assert [r[1] for r in rows] == [
        "paper (the config's)", "oracle's choice (label_beyond)", 'calibrated',
        'exact labels'
    ]
    for row in rows:  # every row trained and tested
        assert '±' in row[5] and row[6].endswith('% |')
    for row in rows[:3]:  # every labelling scored on test and held-out
        assert 0 <= float(row[3]) <= 100 and 0 <= float(row[4]) <= 100
    assert '8 real scenes' in table and 'candidates scored' in table
    assert (work / 'calibrated.md').read_text().count('| `mmdd::') == 3
    model_work = work / 'shapes-t2i'
    changes = json.loads(
        (model_work / 'calibration.json').read_text())['changes']
    assert changes, 'the calibration changed nothing on shapes-t2i'
    cache = model_work / 'cache_calibrated'
    manifest = json.loads((cache / 'manifest.json').read_text())
    generation = manifest['settings']['generation']
    assert {k: generation[k] for k in changes} == changes
    assert len(list((cache / 'image').glob('*.jpg'))) == 16
    # Everything is read back the second time: nothing loads or trains.
    again = subprocess.run(args, capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'calibration from an earlier run' in again.stdout
    assert 'calibrated labels from an earlier run' in again.stdout
    assert 'round one: 4 runs, 0 s' in again.stdout
    assert again.stdout[again.stdout.rindex('| model | settings'):] == table
