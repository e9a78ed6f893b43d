"""bench.labels.label_ablation: the paper's ablation rows and their run."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bench.labels.ablation_rows import BAND, NO_BAND, PAPER_TAU, ablation_rows
from tests.utils import REPO_ROOT


def test_rows_follow_the_papers_order():
    rows = ablation_rows(best_tau=1)
    assert [r.key for r in rows] == [
        'a', 'b', 'c', 'd1', 'd2', 'd4', 'e', 'f', 'g', 'e_tau1', 'f_tau1',
        'g_tau1', 'oracle'
    ]
    a, b, c = rows[:3]
    assert (a.appended, a.label_source, a.tau) == (False, 'text', 0)
    assert (b.appended, b.label_source) == (True, 'text')
    assert c.label_source == 'class_prompt'
    e = rows[6]
    assert e.tau == PAPER_TAU and e.band
    generation = e.generation(dict(num_inference_steps=25))
    assert (generation['foreground_threshold'],
            generation['uncertain_threshold']) == BAND
    assert c.generation({})['foreground_threshold'] == NO_BAND[0]
    # At the paper's tau the model's own rows are not repeated.
    assert [r.key for r in ablation_rows(best_tau=PAPER_TAU)
            ][-4:] == ['e', 'f', 'g', 'oracle']
    # Each row trains on its own labels, or on those of the row it names.
    assert {
        r.key: r.label_key
        for r in rows if r.key != r.label_key
    } == {
        'f': 'e',
        'g': 'e',
        'f_tau1': 'e_tau1',
        'g_tau1': 'e_tau1',
        'oracle': 'c'
    }


def test_summary_is_mean_and_std_over_seeds_per_row():
    from bench.labels.downstream import summarise
    results = {
        ('real', 0): 80.0,
        ('real', 1): 84.0,
        ('m', 'c', 0): 60.0,
        ('m', 'c', 1): 70.0,
        ('m', 'e', 0): 75.0,
        ('other', 'c', 0): 10.0,
    }
    assert summarise(results, 'real') == {None: (82.0, 2.0)}
    assert summarise(results, 'm') == {'c': (65.0, 5.0), 'e': (75.0, 0.0)}


@pytest.mark.slow
def test_tiny_run_labels_trains_and_self_trains(tmp_path):
    """Rows a-e scored; f trains with confidence weighting and g
    pseudo-labels f's model with tools/pseudo_label.py, then trains again,
    each through SynthDataset on the cache the bench wrote."""
    work = tmp_path / 'work'
    args = [
        sys.executable, '-m', 'bench.labels.label_ablation', '--models',
        'mmdd::shapes-t2i', '--samples', '2', '--batch-size', '2', '--seeds',
        '0', '--iters', '2', '--real-train', '4', '--test', '2', '--work-dir',
        str(work), '--pictures',
        str(tmp_path / 'pics'), '--downstream-rows', 'a', 'g_tau1', 'oracle'
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS='1')
    out = subprocess.run(args, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    table = out.stdout[out.stdout.rindex('**mmdd::shapes-t2i**'):]
    for key in ('a', 'b', 'c', 'd1', 'd2', 'd4', 'e', 'e_tau1'):
        assert f'| {key} | +' in table or f'| {key} | caption' in table
    trained = [
        line for line in table.splitlines() if line.startswith('| ')
        and not line.startswith('| row') and '±' in line
    ]
    assert {line.split('|')[1].strip()
            for line in trained
            } == {'a', 'f_tau1', 'g_tau1', 'oracle', 'real'}
    assert (tmp_path / 'pics' / 'ablation_shapes-t2i.png').is_file()
    cache = work / 'shapes-t2i' / 'cache_e_tau1'
    manifest = json.loads((cache / 'manifest.json').read_text())
    assert manifest['settings']['generation']['tau'] == 1
    assert len(list((cache / 'mask_selftrain_seed0').glob('*.png'))) == 2
    # The oracle row trains on c's images, labelled by the colour oracle.
    from PIL import Image

    from mmdd.shapes.world import oracle_label
    cache_c = work / 'shapes-t2i' / 'cache_c'
    for mask in sorted((cache_c / 'mask_oracle').glob('*.png')):
        image = np.asarray(Image.open(cache_c / 'image' / f'{mask.stem}.jpg'))
        np.testing.assert_array_equal(
            np.asarray(Image.open(mask)), oracle_label(image))
    assert len(list((cache_c / 'mask_oracle').glob('*.png'))) == 2
    # A rerun reads the labels and caches instead of generating, unless
    # it asks for rows the earlier run did not label.
    assert (work / 'shapes-t2i' / 'label_scores.json').is_file()
    again = subprocess.run(
        args[:args.index('--downstream-rows')] +
        ['--skip-downstream', '--best-tau', 'mmdd::shapes-t2i=2'],
        capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'no rows e_tau2' in again.stdout
    assert '| e_tau2 | + uncertainty band (tau=2) |' in again.stdout
    manifest = json.loads(
        (work / 'shapes-t2i' / 'cache_e_tau2' / 'manifest.json').read_text())
    assert manifest['settings']['generation']['tau'] == 2


@pytest.mark.parametrize(
    'pairs', [['shapes-t2i=1'], ['mmdd::shapes-t2i=x'], ['mmdd::shapes-t2i']])
def test_a_bad_best_tau_names_itself_and_the_form(pairs):
    from bench.labels.label_ablation import best_taus
    with pytest.raises(SystemExit, match=f'{pairs[0]!r} is not MODEL=TAU'):
        best_taus(pairs)


def test_best_taus_by_model():
    from bench.labels.label_ablation import best_taus
    assert best_taus(['mmdd::shapes-t2i-sd=1', 'mmdd::shapes-t2i=2']) == {
        'mmdd::shapes-t2i-sd': 1,
        'mmdd::shapes-t2i': 2
    }


def test_table_rows_have_the_headers_cells():
    from collections import namedtuple

    from bench.labels.ablation_report import table
    Score = namedtuple('Score', 'miou precision ignored')
    rows = ablation_rows(best_tau=1)
    scores = {
        r.key: Score(0.5, 0.9, 0.02)
        for r in rows if r.training == 'ignore'
    }
    down = {r.key: (70.0, 1.0) for r in rows}
    lines = table('m', rows, scores, down, 200, (75.0, 1.0)).splitlines()
    cells = [line.count('|') for line in lines if line.startswith('|')]
    assert len(cells) == len(rows) + 3  # header, rule, rows, real
    assert set(cells) == {8}
    assert '| f | + confidence-weighted loss (tau=4) | (as e) | | | 70.0' in (
        '\n'.join(lines))
    assert lines[-2].startswith(
        '| oracle | (reference) c\'s images, '
        'colour-oracle labels | (the oracle) | | | 70.0')


def test_picture_titles_stand_over_their_panels(tmp_path, monkeypatch):
    """Each title's x is where its panel starts, in both halves."""
    import mmdd.visualization as visualization
    from bench.labels.ablation_report import save_pictures
    from bench.labels.ablation_rows import labelling_rows
    titles = []
    real_titled = visualization.titled
    monkeypatch.setattr(
        visualization, 'titled',
        lambda picture, t: titles.extend(t) or real_titled(picture, t))
    rows = labelling_rows(ablation_rows(best_tau=1))
    image = np.full((8, 8, 3), 100, np.uint8)
    label = np.ones((8, 8), np.uint8)
    left = (image, label, [label])
    right = (image, label, [label] * sum(r.appended for r in rows))
    path = tmp_path / 'pictures.png'
    save_pictures(str(path), {False: [left], True: [right]}, rows)

    from PIL import Image
    body = np.asarray(Image.open(path))[18:]
    white = (body == 255).all(axis=(0, 2))
    starts = [
        x for x in range(body.shape[1])
        if not white[x] and (x == 0 or white[x - 1])
    ]
    assert [x for x, _ in titles] == starts
    assert [name for _, name in titles
            ][:4] == ['caption only', 'oracle', 'a', 'appended']


def test_transformer_rows_add_concept_attention():
    rows = ablation_rows(best_tau=PAPER_TAU, concept=True)
    concept = {r.key: r for r in rows if r.label_source == 'concept'}
    assert list(concept) == ['k_a', 'k']
    assert not concept['k_a'].appended and concept['k'].appended
    assert rows[-1].key == 'oracle'
    assert not any(r.label_source == 'concept'
                   for r in ablation_rows(best_tau=PAPER_TAU))


@pytest.mark.slow
def test_transformer_labels_every_row_from_one_pass_each(tmp_path):
    out = subprocess.run([
        sys.executable, '-m', 'bench.labels.label_ablation', '--models',
        'mmdd::shapes-dit', '--samples', '2', '--batch-size', '2',
        '--skip-downstream', '--work-dir',
        str(tmp_path / 'work')
    ], capture_output=True, text=True, cwd=REPO_ROOT,
                         env=dict(os.environ, MMDD_PROGRESS='0'))
    assert out.returncode == 0, out.stderr[-2000:]
    table = out.stdout[out.stdout.rindex('**mmdd::shapes-dit**'):]
    for key in ('a', 'c', 'd4', 'e', 'k_a', 'k'):
        assert f'\n| {key} |' in table, key
    scores = json.loads(
        (tmp_path / 'work' / 'shapes-dit' / 'label_scores.json').read_text())
    assert 0 <= scores['k']['miou'] <= 1
