"""The table of bench.labels.calibrated: per model, the paper's settings,
label_beyond's oracle choice and the calibrated settings (and the
real-trained segmenter), with their label mIoU on the test and held-out
scenes and the downstream mIoU over the seeds."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

HEADER = ('| model | settings | changes from the paper | test label mIoU | '
          'held-out label mIoU | test mIoU (mean ± std) | % of real |')


@dataclass
class SettingsRow:
    """One row of the table: ``key`` names its runs in the downstream
    grid; label mIoU in [0, 1], None where not measured."""
    name: str
    key: str
    changes: Dict = field(default_factory=dict)
    test: Optional[float] = None
    heldout: Optional[float] = None


def _percent(value: Optional[float]) -> str:
    return '-' if value is None else f'{100 * value:.1f}'


def _changes(changes: Dict) -> str:
    return ', '.join(f'{k}={v}' for k, v in changes.items()) or 'none'


def _downstream(value: Optional[Tuple[float, float]]) -> str:
    return '-' if value is None else f'{value[0]:.1f} ± {value[1]:.1f}'


def _of_real(value: Optional[Tuple[float, float]],
             real: Optional[Tuple[float, float]]) -> str:
    if value is None or real is None:
        return '-'
    return f'{100 * value[0] / real[0]:.1f}%'


def results_table(rows: Dict[str, List[SettingsRow]], down: Dict[str, Dict],
                  real: Optional[Tuple[float, float]], real_train: int) -> str:
    """Markdown: ``rows`` by model, ``down[model][key]`` the (mean, std)
    test mIoU of that row's trainings, ``real`` the real-trained one's."""
    lines = [HEADER, '| --- | --- | --- | --- | --- | --- | --- |']
    for model, model_rows in rows.items():
        for row in model_rows:
            value = down.get(model, {}).get(row.key)
            lines.append(
                f'| `{model}` | {row.name} | {_changes(row.changes)} | '
                f'{_percent(row.test)} | {_percent(row.heldout)} | '
                f'{_downstream(value)} | {_of_real(value, real)} |')
    lines.append(f'| real ({real_train} scenes) | exact labels | - | - | - | '
                 f'{_downstream(real)} | {_of_real(real, real)} |')
    return '\n'.join(lines)


def calibration_lines(records: Dict[str, Dict]) -> str:
    """One line per model: candidates scored, denoiser passes, time and
    the label mIoU of the config's and calibrated settings on the real
    calibration scenes' validation and test halves."""
    lines = []
    for model, record in records.items():
        images = record['settings']['images']
        lines.append(
            f'- `{model}`: {images} real scenes, {record["candidates"]} '
            f'candidates scored, {record["passes"]} denoiser passes, '
            f'{record["seconds"]:.0f} s; label mIoU val '
            f'{_percent(record["val"]["config"])} -> '
            f'{_percent(record["val"]["calibrated"])}, test '
            f'{_percent(record["test"]["config"])} -> '
            f'{_percent(record["test"]["calibrated"])}')
    return '\n'.join(lines)
