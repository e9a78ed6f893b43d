"""``import mmdd`` is cheap; registration happens under mmengine only.

Each check runs in a fresh interpreter: this test process has long imported
everything.
"""
import subprocess
import sys

import pytest

from mmdd.compat.version_check import mmseg_stack_installed
from tests.utils import REPO_ROOT, run_python

OPENMMLAB = ('mmcv', 'mmengine', 'mmseg')

LOADED = '''
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))
'''
LOADED_MMDD = LOADED.replace(
    "m.split('.')[0] for m in sys.modules",
    "m for m in sys.modules if m == 'mmdd' or m.startswith('mmdd.')")


def _roots_loaded_by(*modules: str) -> set:
    out = subprocess.run([sys.executable, '-c', LOADED, *modules],
                         cwd=REPO_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return set(out.stdout.split())


def _mmdd_modules_loaded_by(*modules: str) -> set:
    out = subprocess.run([sys.executable, '-c', LOADED_MMDD, *modules],
                         cwd=REPO_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return set(out.stdout.split())


def _importtime_names(module: str) -> set:
    """Every module ``python -X importtime -c 'import MODULE'`` reports."""
    out = subprocess.run(
        [sys.executable, '-X', 'importtime', '-c', f'import {module}'],
        cwd=REPO_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return {
        line.rsplit('|', 1)[-1].strip()
        for line in out.stderr.splitlines()
        if line.startswith('import time:') and '|' in line
    }


@pytest.mark.parametrize('module', ['mmdd', 'mmdd.diffusion', 'mmdd.prompts'])
def test_importtime_shows_no_openmmlab_module(module):
    names = _importtime_names(module)
    assert module in names  # the report was read
    assert not {n for n in names if n.split('.')[0] in OPENMMLAB}


def test_text_layer_loads_neither_torch_nor_nltk():
    loaded = _roots_loaded_by('mmdd.prompts', 'mmdd.prompts.records',
                              'mmdd.prompts.templates', 'mmdd.utils')
    assert not loaded & {*OPENMMLAB, 'torch', 'nltk', 'transformers'}


@pytest.mark.slow
def test_generation_core_loads_no_openmmlab():
    loaded = _roots_loaded_by('mmdd.diffusion.generator',
                              'mmdd.diffusion.clip_tokenizer',
                              'mmdd.testing.random_pipeline')
    assert {'torch', 'diffusers'} <= loaded
    assert not loaded & set(OPENMMLAB)


# module_dict, not get(): get() would import the registry's locations.
REGISTERED = '''
import mmengine  # loaded first, as under custom_imports or a runner
import mmdd
from mmdd.registry import DATASETS, MODELS, TRANSFORMS
from mmseg.registry import MODELS as MMSEG_MODELS
print('UncertaintyCrossEntropyLoss' in MODELS.module_dict,
      'SynthDataset' in DATASETS.module_dict,
      'LoadConfidenceMap' in TRANSFORMS.module_dict,
      'EncoderDecoder' in MMSEG_MODELS.module_dict)
from mmengine.dist import utils
print(getattr(utils._init_dist_pytorch, '_mmdd_cpu_patch', False))
'''


@pytest.mark.skipif(not mmseg_stack_installed(),
                    reason='needs the OpenMMLab stack')
@pytest.mark.slow
def test_import_under_mmengine_registers_and_patches():
    out = subprocess.run([sys.executable, '-c', REGISTERED], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ['True'] * 5


def test_prompt_tool_help_loads_neither_nltk_nor_openmmlab():
    out = subprocess.run([
        sys.executable, '-X', 'importtime',
        str(REPO_ROOT / 'tools' / 'prompts' / 'build_coco_prompts.py'),
        '--help'
    ], cwd=REPO_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert '--template-fraction' in out.stdout
    names = {
        line.rsplit('|', 1)[-1].strip().split('.')[0]
        for line in out.stderr.splitlines()
        if line.startswith('import time:') and '|' in line
    }
    assert not names & {*OPENMMLAB, 'nltk', 'torch'}


def test_utils_and_compat_load_no_other_mmdd_package():
    loaded = _mmdd_modules_loaded_by('mmdd.utils', 'mmdd.utils.atomic',
                                     'mmdd.utils.dataset_cfgs',
                                     'mmdd.utils.progress', 'mmdd.compat',
                                     'mmdd.compat.site_shims',
                                     'mmdd.compat.version_check')
    packages = {'.'.join(m.split('.')[:2]) for m in loaded}
    assert packages == {
        'mmdd', 'mmdd.utils', 'mmdd.compat', 'mmdd.lazy', 'mmdd.version'
    }


def test_compat_is_the_bottom_layer():
    """The environment workarounds import no other mmdd package (mmdd.utils
    reaches the registry, which applies them)."""
    loaded = _mmdd_modules_loaded_by('mmdd.compat', 'mmdd.compat.prepare',
                                     'mmdd.compat.site_shims',
                                     'mmdd.compat.version_check')
    packages = {'.'.join(m.split('.')[:2]) for m in loaded}
    assert packages == {'mmdd', 'mmdd.compat', 'mmdd.lazy', 'mmdd.version'}


def test_register_all_modules_keeps_its_old_path():
    code = ('from mmdd.utils import register_all_modules as old\n'
            'from mmdd.register import register_all_modules as new\n'
            'import sys\n'
            "print(old is new, 'mmdd.datasets' in sys.modules)")
    assert run_python(code).split() == ['True', 'False']
