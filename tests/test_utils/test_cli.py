import argparse
import subprocess
import sys

import pytest

from mmdd.utils.cli import exit_code, positive_int


def test_exit_code_prints_bad_input_and_returns_one(capsys):
    def run(args):
        raise ValueError(f'--count must be odd, got {args.count}')

    assert exit_code(run, argparse.Namespace(count=2)) == 1
    assert capsys.readouterr().err == 'error: --count must be odd, got 2\n'
    assert exit_code(lambda args: None, argparse.Namespace()) == 0


def test_other_errors_are_not_swallowed():
    def run(args):
        raise KeyError('a bug')

    with pytest.raises(KeyError):
        exit_code(run, argparse.Namespace())


def test_positive_int_rejects_zero_at_parse_time(capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument('--nproc', type=positive_int)
    assert parser.parse_args(['--nproc', '3']).nproc == 3
    with pytest.raises(SystemExit):
        parser.parse_args(['--nproc', '0'])
    assert 'argument --nproc: must be >= 1, got 0' in capsys.readouterr().err


def test_module_imports_without_mmengine():
    code = ('import sys, mmdd.utils.cli\n'
            "assert 'mmengine' not in sys.modules, 'mmengine loaded'")
    subprocess.run([sys.executable, '-c', code], check=True)
