"""bench/real_plus_synth.py: the labels-saved interpolation, and a smoke
run of the whole grid (1 seed, 20 iterations, 10 and 25 real scenes)."""
import pytest

from bench.labels.real_plus_synth import main, real_equivalent

COUNTS = [10, 25, 50, 100, 200]
REAL = [50.0, 60.0, 70.0, 75.0, 80.0]


def test_a_real_only_point_maps_to_its_own_count():
    for count, miou in zip(COUNTS, REAL):
        assert real_equivalent(miou, COUNTS, REAL) == pytest.approx(count)


def test_between_counts_interpolates_on_log_n():
    # halfway from 60 (25 scenes) to 70 (50 scenes): sqrt(25 * 50)
    assert real_equivalent(65.0, COUNTS, REAL) == pytest.approx(35.355, 1e-3)


def test_beyond_the_curve():
    assert real_equivalent(85.0, COUNTS, REAL) is None  # above 200
    assert real_equivalent(40.0, COUNTS, REAL) == 10  # at most the first
    # a dip in the real curve is bridged: never an earlier, lower count
    assert real_equivalent(69.0, COUNTS, [50, 70, 65, 75, 80]) < 25


@pytest.mark.slow
def test_smoke_run_prints_the_tables_and_writes_the_plot(tmp_path):
    plot = tmp_path / 'plot.png'
    report = main([
        '--seeds', '0', '--iters', '20', '--real-counts', '10', '25',
        '--num-synthetic', '16', '--test', '10', '--labels', 'paper',
        '--workers', '1', '--work-dir',
        str(tmp_path / 'work'), '--plot',
        str(plot)
    ])
    assert '| 10 | ' in report and '| 25 | ' in report
    assert 'mixed (paper labels)' in report
    assert 'finetune (paper labels)' in report
    assert '0 (synthetic only, paper labels)' in report
    assert 'Labels saved' in report
    assert plot.stat().st_size > 10_000
    runs = sorted(p.name for p in (tmp_path / 'work').glob('*_seed0'))
    assert runs == [
        'finetune_paper_10_seed0', 'finetune_paper_25_seed0',
        'mixed_paper_10_seed0', 'mixed_paper_25_seed0', 'real_10_seed0',
        'real_25_seed0', 'synthetic_paper_seed0'
    ]
