"""mmdd.utils.cli_options: the options tools/ and bench/ share."""
import argparse
from pathlib import Path

import pytest

from mmdd.utils.cli import add_options
from mmdd.utils.cli_options import OPTIONS
from tests.utils import run_python


def parser_with(*names, **changes) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='tool')
    add_options(parser, *names, **changes)
    return parser


def test_table_options_keep_their_type_and_default():
    args = parser_with('out', 'batch-size', 'seeds', 'device').parse_args(
        ['--out', 'a/b.json', '--batch-size', '4', '--seeds', '3', '5'])
    assert args.out == Path('a/b.json')
    assert (args.batch_size, args.seeds, args.device) == (4, [3, 5], 'cpu')


def test_a_value_changes_the_default_and_a_dict_the_keywords():
    parser = parser_with('samples', 'out', 'work-dir', samples=96,
                         out=dict(required=True, type=str,
                                  help='the file'), work_dir='work_dirs/x')
    args = parser.parse_args(['--out', 'o.png'])
    assert (args.samples, args.out, args.work_dir) == (96, 'o.png',
                                                       'work_dirs/x')
    with pytest.raises(SystemExit):
        parser.parse_args([])  # --out is required now
    text = parser.format_help()
    assert 'generated samples (default: 96)' in text
    assert 'the file' in text and 'work_dirs/x' in text


def test_help_names_the_default_only_where_it_says_nothing_of_it():
    text = parser_with(
        'device', 'threads', 'skip-downstream', 'dtype',
        device=dict(default=None,
                    help='default: cuda when available')).format_help()
    assert 'default: cuda when available' in text
    assert '(default: None)' not in text and '(default: False)' not in text
    assert text.count('default') == 2  # device's and threads' own words


def test_counts_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        parser_with('batch-size').parse_args(['--batch-size', '0'])
    assert 'must be >= 1, got 0' in capsys.readouterr().err


def test_cfg_options_parse_config_keys():
    args = parser_with('cfg-options').parse_args(
        ['--cfg-options', 'train_cfg.max_iters=3', 'a.b=[1,2]'])
    assert args.cfg_options == {'train_cfg.max_iters': 3, 'a.b': [1, 2]}


def test_an_unknown_option_is_refused_by_name():
    with pytest.raises(ValueError, match=r"no shared option \['--out'\]"):
        parser_with('--out')
    with pytest.raises(ValueError, match=r"changes \['work_dir'\] name no"):
        parser_with('out', work_dir='x')


def test_the_table_leaves_each_entry_unchanged():
    before = {name: dict(keywords) for name, keywords in OPTIONS.items()}
    parser_with('samples', 'device', samples=dict(default=3, help='h'),
                device='cuda')
    assert OPTIONS == before


def test_module_imports_without_mmengine():
    code = ('import sys, mmdd.utils.cli_options\n'
            "print('mmengine' in sys.modules)")
    assert run_python(code).strip() == 'False'
