"""mmcv-lite: mmcv.ops imports through mmdd's stand-in for mmcv._ext, and a
compiled op names the switch that installs the compiled mmcv."""
import importlib.util
import subprocess
import sys
import textwrap

import pytest

from mmdd.compat import mmcv_ops_stub
from mmdd.compat.mmcv_ops_stub import CompiledOpsMissing, StubExtFinder
from mmdd.engine.compiled_ops import ops_compiled
from tests.utils import REPO_ROOT


def _stub_module():
    spec = StubExtFinder().find_spec('mmcv._ext')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stub_has_every_op_mmcv_asks_for_and_runs_none():
    ext = _stub_module()
    # mmcv.utils.ext_loader.load_ext asserts hasattr for each op it needs.
    assert hasattr(ext, 'sigmoid_focal_loss_forward')
    assert mmcv_ops_stub.is_stub(ext)
    with pytest.raises(CompiledOpsMissing) as err:
        ext.sigmoid_focal_loss_forward(1, 2)
    message = str(err.value)
    assert "'sigmoid_focal_loss_forward'" in message
    assert 'MMDD_MMCV=full bash tools/install.sh' in message


def test_the_stub_reports_no_compiler_and_no_dunders():
    ext = _stub_module()
    # mmcv.utils.collect_env calls these once mmcv.ops imports.
    assert 'mmcv-lite' in ext.get_compiler_version()
    assert not hasattr(ext, '__wrapped__')


def test_the_finder_answers_only_for_the_extension():
    finder = StubExtFinder()
    assert finder.find_spec('mmcv.ops') is None
    assert finder.find_spec('mmcv._ext') is not None


STUB_OR_REAL = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    from mmdd.compat.mmcv_ops_stub import install_finder
    install_finder()
    install_finder()  # once only
    import mmcv._ext
    print(getattr(mmcv._ext, 'IS_MMDD_STUB', False),
          sum(getattr(f, 'mmdd_stub_for', '') == 'mmcv._ext'
              for f in sys.meta_path))
''')


@pytest.mark.parametrize('real_ext, expected', [(False, 'True 1'),
                                                (True, 'False 1')])
def test_a_real_extension_wins_over_the_stub(tmp_path, real_ext, expected):
    """The finder sits last: it answers only when no ``mmcv._ext`` exists."""
    package = tmp_path / 'mmcv'
    package.mkdir()
    (package / '__init__.py').write_text('')
    if real_ext:
        (package / '_ext.py').write_text('REAL = True\n')
    out = subprocess.run([sys.executable, '-c', STUB_OR_REAL,
                          str(tmp_path)], cwd=REPO_ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == expected.split()


NMS = textwrap.dedent('''
    import torch
    import mmseg.models  # imports mmcv.ops at module level
    from mmcv.ops import nms  # compiled, with a CPU kernel
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]])
    try:
        print(len(nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5)[1]))
    except Exception as err:
        print(type(err).__name__, err)
''')


@pytest.mark.slow
def test_mmseg_imports_and_a_compiled_op_runs_or_names_the_switch():
    """With this environment's mmcv, as installed by tools/install.sh."""
    out = subprocess.run([sys.executable, '-c', NMS], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    if ops_compiled():
        assert out.stdout.split() == ['2']  # the overlapping box dropped
    else:
        assert out.stdout.startswith('CompiledOpsMissing')
        assert 'MMDD_MMCV=full' in out.stdout
