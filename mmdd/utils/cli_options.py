"""The command-line options that tools/ and bench/ share, in one table.

A script names the options it takes and changes what differs for it::

    add_options(parser, 'out', 'device', 'batch-size',
                out=dict(required=True, help='captions file (.json)'),
                batch_size=16)

A change is a dict of ``add_argument`` keywords replacing the table's, or
any other value: the default. ``--help`` shows each script's own default.
Only the flag, its type and the meaning live here; nothing is imported
beyond argparse (``cfg-options`` loads mmengine's ``DictAction`` when a
script asks for it).
"""
import argparse
from pathlib import Path
from typing import Any, Dict


def positive_int(text: str) -> int:
    """argparse ``type`` for counts that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


# The flag's name (without ``--``) -> add_argument keywords; a help that
# does not speak of the default gets ``(default: ...)`` where there is one.
# yapf: disable
OPTIONS: Dict[str, Dict[str, Any]] = {
    # Where things go.
    'out': dict(type=Path, help='output file or folder'),
    'work-dir': dict(help='folder of everything the run writes'),
    # What runs, and where.
    'model': dict(help='diffusers folder, hub id or shipped mmdd:: name'),
    'models': dict(nargs='+', help='shipped mmdd:: names or model folders'),
    'device': dict(default='cpu', help='torch device: cpu, cuda, cuda:1'),
    'dtype': dict(choices=('bf16', 'fp16', 'fp32'), help='model precision'),
    'threads': dict(type=int, default=0, help="torch CPU threads (0: torch's "
                    'default)'),
    'bpe': dict(help='CLIP BPE merges file (default: the one in '
                "mmsegmentation's wheel)"),
    # How much, how often.
    'seed': dict(type=int, default=0, help='random seed'),
    'seeds': dict(type=int, nargs='+', default=[0, 1, 2], help='train seeds'),
    'samples': dict(type=positive_int, help='generated samples'),
    'batch-size': dict(type=positive_int, default=16,
                       help='samples per batch'),
    'batch': dict(type=positive_int, help='samples per batch'),
    'steps': dict(type=positive_int, help='denoising steps'),
    'guidance': dict(type=float, help='classifier-free guidance scale'),
    'repeats': dict(type=positive_int, help='timed rounds after a warm-up'),
    'peak-tflops': dict(type=float, help="the card's dense fp16 TFLOP/s"),
    # The shapes world's segmenter runs.
    'iters': dict(type=positive_int, default=600, help='training iterations'),
    'synthetic': dict(type=positive_int, default=400, help='synthetic '
                      'samples to generate and train on'),
    'real-train': dict(type=positive_int, default=400, help='real training '
                       'scenes (the upper bound)'),
    'test': dict(type=positive_int, default=200, help='real test scenes'),
    'workers': dict(type=positive_int, default=2, help='segmenter runs side '
                    'by side, each with cpu_count / workers threads'),
    'skip-downstream': dict(action='store_true', help='labels only, no '
                            'training'),
    'pictures-rows': dict(type=int, default=6, help='samples in a picture'),
    # Prompt files.
    'captions-per-image': dict(type=positive_int, default=1, help='records '
                               'per image when it has several captions'),
}
# yapf: enable


def _cfg_options() -> Dict[str, Any]:
    from mmengine.config import DictAction
    return dict(
        nargs='+', action=DictAction,
        help='override config keys, e.g. train_cfg.max_iters=100 '
        'model.backbone.depth=18 (lists: key="[a,b]")')


def add_options(parser: argparse.ArgumentParser, *names: str,
                **changes: Any) -> None:
    """Add the shared options ``names`` (keys of :data:`OPTIONS`, or
    ``cfg-options``) to ``parser``, in that order. ``changes`` are keyed
    by the option's ``dest`` (``work_dir`` for ``work-dir``): a dict of
    ``add_argument`` keywords, or the default."""
    unknown = [
        name for name in names if name not in OPTIONS and name != 'cfg-options'
    ]
    if unknown:
        raise ValueError(f'add_options: no shared option {unknown}; add it '
                         f'to mmdd.utils.cli_options.OPTIONS or use one of '
                         f'{sorted(OPTIONS)}')
    dests = {name.replace('-', '_') for name in names}
    stray = sorted(set(changes) - dests)
    if stray:
        raise ValueError(f'add_options: changes {stray} name no option '
                         f'given; options: {list(names)}')
    for name in names:
        keywords = (
            _cfg_options() if name == 'cfg-options' else dict(OPTIONS[name]))
        change = changes.get(name.replace('-', '_'), {})
        if not isinstance(change, dict):
            change = dict(default=change)
        keywords.update(change)
        if (keywords.get('default') is not None and 'action' not in keywords
                and 'default' not in keywords.get('help', 'default')):
            keywords['help'] += ' (default: %(default)s)'
        parser.add_argument(f'--{name}', **keywords)
