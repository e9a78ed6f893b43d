"""docs/walkthrough.md, run as written: captions, prompts, a user's own
config generating with a tiny SDXL, training, all from a folder outside the
checkout."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils import REPO_ROOT

WALKTHROUGH = REPO_ROOT / 'docs' / 'walkthrough.md'
BLOCK = re.compile(r'^```(\w+)\n(.*?)^```', re.M | re.S)


def walkthrough_blocks(part: str = 'walkthrough') -> list:
    """``(language, text)`` of the code blocks between the page's markers
    (``part``: the main walkthrough, or its ``flux`` variant)."""
    text = WALKTHROUGH.read_text()
    start = text.index(f'<!-- {part}:')
    end = text.index(f'<!-- {part} end -->')
    return BLOCK.findall(text[start:end])


def test_the_page_has_the_steps_and_one_config():
    blocks = walkthrough_blocks()
    shell = '\n'.join(text for lang, text in blocks if lang == 'shell')
    configs = [text for lang, text in blocks if lang == 'python']
    for tool in ('caption_images.py', 'build_voc_prompts.py', 'train.py'):
        assert '$MMDD/tools/' in shell and tool in shell, tool
    assert 'MMDD=/path/to/mmdd' in shell
    assert len(configs) == 1 and configs[0].startswith('# my_config.py')


@pytest.mark.slow
def test_walkthrough_runs_from_a_folder_outside_the_checkout(
        fake_voc_root, tmp_path):
    work = tmp_path / 'newcomer'
    shutil.copytree(fake_voc_root, work / 'my_voc')
    blocks = walkthrough_blocks()
    (work / 'my_config.py').write_text(
        next(text for lang, text in blocks if lang == 'python'))
    script = '\n'.join(text for lang, text in blocks if lang == 'shell')
    script = script.replace('/path/to/mmdd', str(REPO_ROOT))
    # `python` is this interpreter; `import mmdd` is the tree under test.
    # One thread: tiny models gain nothing from more, and on a busy machine
    # OpenMP threads waiting for each other make it several times slower.
    env = dict(
        os.environ, MMDD_PROGRESS='0', PYTHONPATH=str(REPO_ROOT),
        OMP_NUM_THREADS='1',
        PATH=f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}')
    log = _run(script, work, env)

    from mmdd.prompts import VOC_CLASSES, read_captions, read_prompts
    ids = (work / 'my_voc' / 'ImageSets' / 'Segmentation' /
           'train.txt').read_text().split()
    captions = read_captions(work / 'my_captions.json')
    assert sorted(captions) == sorted(ids)
    prompts = read_prompts(work / 'my_prompts.jsonl', VOC_CLASSES)
    assert [p.caption for p in prompts] == [captions[i][0] for i in ids]
    assert all(p.classes for p in prompts)  # from the label maps
    manifest = (work / 'my_synth' / 'manifest.json').read_text()
    assert 'tiny-sdxl' in manifest
    assert len(list((work / 'my_synth' / 'mask').glob('*.png'))) == 2
    assert (work / 'work' / 'iter_2.pth').is_file()
    assert 'mIoU' in log

    # The FLUX variant, in the same folder, inheriting my_config.py.
    flux = walkthrough_blocks('flux')
    config = next(text for lang, text in flux if lang == 'python')
    assert config.startswith('# my_flux_config.py')
    (work / 'my_flux_config.py').write_text(config)
    log = _run(
        '\n'.join(text for lang, text in flux
                  if lang == 'shell').replace('$MMDD', str(REPO_ROOT)), work,
        env)
    manifest = (work / 'my_synth_flux' / 'manifest.json').read_text()
    assert 'tiny-flux' in manifest and '"concept"' in manifest
    assert len(list((work / 'my_synth_flux' / 'mask').glob('*.png'))) == 2
    assert (work / 'work_flux' / 'iter_2.pth').is_file()
    assert 'mIoU' in log


def _run(script: str, work: Path, env: dict) -> str:
    out = subprocess.run(['bash', '-euo', 'pipefail', '-c', script], cwd=work,
                         env=env, capture_output=True, text=True, timeout=600,
                         check=False)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    return log
