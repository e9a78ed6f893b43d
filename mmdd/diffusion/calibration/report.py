"""What a calibration writes: the settings file and its table."""
from typing import List

from .search import CalibrationResult


def settings_text(result: CalibrationResult, source: str = '',
                  name: str = 'calibrated_generation.py') -> str:
    """A Python config holding ``generation=dict(...)`` (the calibrated
    fields only), for a config to include with ``_base_``::

        _base_ = ['./my_config.py', './calibrated_generation.py']
        train_dataloader = dict(dataset=dict(generation=_base_.generation))
    """
    test = result.test
    lines = [
        '# Label read-out calibrated by tools/calibrate_labels.py'
        f'{" on " + source if source else ""}.',
        f'# Test label mIoU {100 * test["config"].miou:.1f} (config) -> '
        f'{100 * test["calibrated"].miou:.1f} (calibrated); '
        f'{result.candidates_scored} candidates scored.',
        '# Include it after your config and merge it into the dataset:',
        f"#   _base_ = ['./my_config.py', './{name}']",
        '#   train_dataloader = dict(dataset=dict(',
        '#       generation=_base_.generation))',
        'generation = dict(',
    ]
    lines += [f'    {k}={v!r},' for k, v in result.settings.items()]
    lines.append(')')
    return '\n'.join(lines) + '\n'


def _value(value) -> str:
    return '-' if value is None else str(value)


def result_table(result: CalibrationResult) -> str:
    """Markdown: each searched setting (config vs calibrated), the label
    mIoU of both on the validation and test halves, and the counts."""
    rows: List[str] = [
        '| setting | config | calibrated |', '| --- | --- | --- |'
    ]
    for name, value in result.base.items():
        chosen = result.chosen[name]
        mark = ' **changed**' if name in result.settings else ''
        rows.append(f'| `{name}` | {_value(value)} | {_value(chosen)}{mark} |')
    rows += ['', '| label mIoU | config | calibrated |', '| --- | --- | --- |']
    for split in ('val', 'test'):
        scores = getattr(result, split)
        rows.append(f'| {split} ({len(result.splits[split])} images) | '
                    f'{100 * scores["config"].miou:.1f} | '
                    f'{100 * scores["calibrated"].miou:.1f} |')
    rows += [
        '', f'{result.candidates_scored} candidates scored; '
        f'{result.denoiser_passes} denoiser passes (batches x '
        f'{len(result.read_steps)} timesteps: schedule steps '
        f'{result.read_steps}).'
    ]
    return '\n'.join(rows) + '\n'
