"""The GPU rehearsal's results as markdown tables and JSON, written
atomically (a run cut short leaves the last complete pair)."""
import json
import math
from pathlib import Path
from typing import Dict, List, Sequence

from mmdd.utils.atomic import atomic_write_text

TARGETS = (
    # (table, column, comparison, bound, description)
    ('generation', 'time_ratio', '<=', 1.05, 'labelled / plain time'),
    ('generation', 'peak_ratio', '<=', 1.10, 'labelled / plain peak memory'),
    ('reference', 'time_ratio', '>=', 2.0,
     'reference pattern / labelled time'),
    ('reference', 'extra_ratio', '>=', 5.0,
     'reference pattern / labelled extra memory'),
)


def _fmt(value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return 'n/a'
        if abs(value) >= 100:
            return f'{value:.0f}'
        return f'{value:.3f}' if abs(value) >= 1 else f'{value:.3g}'
    return '' if value is None else str(value)


def table(rows: Sequence[Dict], columns: Sequence[str]) -> List[str]:
    if not rows:
        return ['(none)']
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + ' --- |' * len(columns)]
    lines += [
        '| ' + ' | '.join(_fmt(row.get(c)) for c in columns) + ' |'
        for row in rows
    ]
    return lines


def target_rows(results: Dict) -> List[Dict]:
    rows = []
    for section, column, op, bound, what in TARGETS:
        for row in results[section]:
            value = row[column]
            met = value <= bound if op == '<=' else value >= bound
            rows.append(
                dict(target=f'{what} {op} {bound}',
                     architecture=row['architecture'],
                     label_source=row.get('label_source'), value=value,
                     result='met' if met else 'missed'))
    return rows


def markdown(results: Dict) -> str:
    env = results['environment']
    lines = [
        '# GPU rehearsal results', '',
        ', '.join(f'{k}: {v}' for k, v in env.items()), '',
        '## Plain pipeline vs labelled generation', ''
    ]
    lines += table(results['generation'], [
        'architecture', 'batch', 'steps', 'size', 'dtype', 'label_source',
        'guidance', 'plain_s', 'labelled_s', 'time_ratio',
        'plain_images_per_s', 'labelled_images_per_s', 'plain_peak_mib',
        'labelled_peak_mib', 'peak_ratio', 'plain_extra_mib',
        'labelled_extra_mib', 'extra_ratio', 'memory'
    ])
    if results.get('architecture_s'):
        lines += [
            '', 'Seconds per architecture (build, every variant, every '
            'section): ' +
            ', '.join(f'{name} {s:.0f}'
                      for name, s in results['architecture_s'].items())
        ]
    lines += ['', '## The paper code\'s attention-store pattern', '']
    lines += table(results['reference'], [
        'architecture', 'batch', 'reference_s', 'labelled_s', 'time_ratio',
        'reference_extra_mib', 'labelled_extra_mib', 'extra_ratio',
        'predicted_kept_mib'
    ])
    lines += ['', '## Fraction of the FLOP bound (UNet)', '']
    lines += table(results['flops'], [
        'architecture', 'batch', 'unet_gflop_per_step', 'unet_step_ms',
        'achieved_tflops', 'peak_tflops', 'fraction_unet',
        'fraction_generation', 'device_name'
    ])
    lines += ['', '## Label computation per image', '']
    lines += table(results['labels'], [
        'labelling', 'self_grid', 'cross_grid', 'image', 'classes', 'tau',
        'ms_per_image', 'cpu_ms_per_image'
    ])
    lines += ['', '## Targets', '']
    lines += table(
        target_rows(results),
        ['target', 'architecture', 'label_source', 'value', 'result'])
    for title in ('skipped', 'failed'):
        if results.get(title):
            lines += ['', f'## {title.capitalize()}', '']
            lines += [f'- {reason}' for reason in results[title]]
    return '\n'.join(lines) + '\n'


def write_tables(out: Path, results: Dict) -> str:
    """Write ``results.md`` and ``results.json`` into ``out``; return the
    markdown."""
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(results)
    atomic_write_text(out / 'results.json',
                      json.dumps(results, indent=1, default=str))
    atomic_write_text(out / 'results.md', text)
    return text
