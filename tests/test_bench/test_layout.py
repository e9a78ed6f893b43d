"""bench/ is a package of studies: every entry runs with ``python -m``, no
module touches ``sys.path``, and no module imports an entry."""
import ast
import contextlib
import io
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Dict, Set

import pytest

from tests.utils import REPO_ROOT, run_python

BENCH = REPO_ROOT / 'bench'


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


MODULES: Dict[str, ast.Module] = {
    module_name(path): ast.parse(path.read_text(), str(path))
    for path in sorted(BENCH.rglob('*.py'))
}


def is_entry(tree: ast.Module) -> bool:
    """``if __name__ == '__main__':`` at module level."""
    return any(
        isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == '__name__' for node in tree.body)


ENTRIES = sorted(name for name, tree in MODULES.items() if is_entry(tree))


def bench_imports(tree: ast.Module) -> Set[str]:
    """The bench modules ``tree`` imports, at any depth (``from bench.a
    import b`` imports ``bench.a.b`` when that is a module)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f'{node.module}.{alias.name}' for alias in node.names)
    return {name for name in found if name in MODULES}


def test_every_study_is_a_package_with_entries():
    studies = {name.split('.')[1] for name in ENTRIES}
    assert studies == {'overhead', 'labels', 'streaming', 'gpu_rehearsal'}
    for folder in BENCH.iterdir():
        if folder.is_dir() and folder.name != '__pycache__':
            assert (folder / '__init__.py').is_file(), folder
    assert sorted(p.name for p in BENCH.glob('*.py')) == ['__init__.py']


def test_no_module_imports_an_entry():
    offenders = {
        name: sorted(bench_imports(tree) & set(ENTRIES))
        for name, tree in MODULES.items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_module_touches_sys_path():
    for name, tree in MODULES.items():
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Attribute) and node.attr == 'path'
                        and isinstance(node.value, ast.Name)
                        and node.value.id == 'sys'), name


def test_no_file_over_350_lines():
    for path in BENCH.rglob('*'):
        if path.suffix in ('.py', '.sh'):
            assert len(path.read_text().splitlines()) <= 350, path


def test_the_module_scan_sees_entries_and_their_imports():
    """The checks above would catch an entry imported by another module."""
    entry = ast.parse('def main():\n    pass\n\n\n'
                      "if __name__ == '__main__':\n    main()\n")
    assert is_entry(entry) and not is_entry(ast.parse('import os\n'))
    tree = ast.parse('from bench.labels import label_ablation\n'
                     'import bench.common.measure\n'
                     'from bench.common.segmenter_runs import run_all\n')
    assert bench_imports(tree) == {
        'bench.labels', 'bench.labels.label_ablation', 'bench.common.measure',
        'bench.common.segmenter_runs'
    }
    assert 'bench.labels.label_ablation' in ENTRIES


@pytest.mark.parametrize('entry', ENTRIES)
def test_entry_help_runs_as_a_module(entry, monkeypatch):
    """``python -m ENTRY --help``, in this process (fast)."""
    monkeypatch.setattr(sys, 'argv', [entry, '--help'])
    monkeypatch.delitem(sys.modules, entry, raising=False)  # a fresh run
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        runpy.run_module(entry, run_name='__main__', alter_sys=True)
    assert done.value.code == 0
    assert out.getvalue().startswith('usage:') and '--' in out.getvalue()


@pytest.mark.slow
def test_entries_run_from_the_repository_root_as_documented():
    """Each entry's ``--help`` in a fresh interpreter started from the
    repository root with no PYTHONPATH: what the docs' commands do."""
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(Path.home())}
    for entry in ENTRIES:
        out = subprocess.run([sys.executable, '-m', entry, '--help'],
                             cwd=REPO_ROOT, env=env, capture_output=True,
                             text=True)
        assert out.returncode == 0, (entry, out.stderr[-2000:])
        assert out.stdout.startswith('usage:'), entry


def test_gpu_rehearsal_imports_no_openmmlab_package():
    """It runs where no mmcv, mmengine or mmseg is installed."""
    code = ('import sys\n'
            'import bench.gpu_rehearsal.gpu_rehearsal\n'
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'mmcv', 'mmengine', 'mmseg'}))")
    assert run_python(code).strip() == '[]'
