"""The GPU rehearsal's CPU path end to end (tiny sizes, in a subprocess)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One CPU rehearsal run (about 12 s) serves every test here.
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def rehearsal(tmp_path_factory):
    out = tmp_path_factory.mktemp('rehearsal')
    return out, run_rehearsal(out, [
        '--archs', 'tiny', 'not-an-arch', '--batch', '1', '--steps', '2',
        '--repeats', '1', '--label-grid', '4', '--label-repeats', '2',
        '--threads', '1', '--peak-tflops', '1.0'
    ])


def run_rehearsal(out: Path, args: list) -> dict:
    """``python -m bench.gpu_rehearsal.gpu_rehearsal --device cpu ARGS
    --out OUT``, its JSON."""
    command = [
        sys.executable, '-m', 'bench.gpu_rehearsal.gpu_rehearsal', '--device',
        'cpu', *args, '--out',
        str(out)
    ]
    path = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get('PYTHONPATH')]))
    env = dict(os.environ, PYTHONPATH=path, MMDD_PROGRESS='0')
    proc = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return json.loads((out / 'results.json').read_text())


def assert_ratio_of_rounded_times(row):
    """``time_ratio`` is taken before the times are rounded to 4 decimals
    for the table, so it may differ from their quotient by that rounding
    (1 % at the tiny models' 10 ms)."""
    half_unit = 0.5e-4
    rel = half_unit / row['labelled_s'] + half_unit / row['plain_s']
    assert row['time_ratio'] == pytest.approx(
        row['labelled_s'] / row['plain_s'], rel=rel + 1e-9)


def test_tables_cover_every_section(rehearsal):
    out, results = rehearsal
    assert results['failed'] == []
    (row, ) = results['generation']
    assert row['architecture'] == 'tiny' and row['batch'] == 1
    assert row['size'] == 64 and row['dtype'] == 'fp32'
    for variant in ('plain', 'labelled', 'reference'):
        assert row[f'{variant}_s'] > 0 and row[f'{variant}_peak_mib'] > 0
        assert row[f'{variant}_cpu_s'] > 0  # CPU time beside wall time
        assert len(row['wall_runs'][variant]) == 1
    assert_ratio_of_rounded_times(row)
    (reference, ) = results['reference']
    assert reference['predicted_kept_mib'] > 0
    (flops, ) = results['flops']
    assert flops['unet_gflop_per_step'] > 0
    assert flops['fraction_unet'] == pytest.approx(
        flops['achieved_tflops'], rel=0.05)  # --peak-tflops 1.0
    assert [r['labelling'] for r in results['labels']] == [
        'mmdd (float64 products)', 'float32 products, clamped argmax (before)',
        'S^tau products + min-max only, float64',
        'S^tau products + min-max only, float32'
    ]
    assert results['labels'][0]['image'] == '64x64'
    assert any(
        s.startswith('not-an-arch: unknown architecture')
        for s in results['skipped'])
    markdown = (out / 'results.md').read_text()
    for heading in ('Plain pipeline vs labelled generation',
                    'attention-store pattern', 'FLOP bound',
                    'Label computation per image', 'Targets', 'Skipped'):
        assert heading in markdown
    assert '| tiny | 1 | 2 | 64 | fp32 |' in markdown


def test_imports_no_openmmlab_package(rehearsal):
    """The GPU machine has no mmcv, mmengine or mmseg."""
    _, results = rehearsal
    assert results['environment']['openmmlab_modules'] == []


def test_dit_rows_measure_each_label_source(tmp_path):
    """SD3.5 and FLUX rows: one per label source, beside the plain
    pipeline, with no reference pattern and no FLOP bound."""
    out = tmp_path / 'dit'
    results = run_rehearsal(out, [
        '--archs', 'flux-tiny', 'sd35-tiny', '--batch', '1', '--steps', '2',
        '--repeats', '1', '--sections', 'generation', '--threads', '1',
        '--label-sources', 'class_prompt', 'concept'
    ])
    assert results['failed'] == [] and results['reference'] == []
    rows = {
        (r['architecture'], r['label_source']): r
        for r in results['generation']
    }
    assert set(rows) == {(a, s)
                         for a in ('flux-tiny', 'sd35-tiny')
                         for s in ('class_prompt', 'concept')}
    for row in rows.values():
        assert row['size'] == 64 and row['steps'] == 2
        assert_ratio_of_rounded_times(row)
    assert 'flux-tiny' in (out / 'results.md').read_text()
