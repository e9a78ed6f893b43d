import importlib.util
import json
import sys

import numpy as np
import pytest
from PIL import Image

from tests.utils import REPO_ROOT

TOOL = (
    REPO_ROOT / 'tools' / 'dataset_converters' /
    'coco_instances_to_semantic.py')
H, W = 20, 30


@pytest.fixture(scope='module')
def tool():
    # Registered in sys.modules so that worker processes can unpickle it.
    spec = importlib.util.spec_from_file_location('coco_to_semantic', TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _runs(mask):
    """Uncompressed COCO RLE counts of a mask (column-major, 0s first)."""
    flat = mask.T.ravel().astype(int)
    edges = np.flatnonzero(np.diff(np.r_[0, flat, 1 - flat[-1]]))
    return np.diff(np.r_[0, edges]).tolist()


def _compress(runs):
    """pycocotools' string form of run lengths (the inverse of decoding)."""
    text = ''
    for i, value in enumerate(runs):
        if i > 2:
            value -= runs[i - 2]
        more = True
        while more:
            group = value & 0x1f
            value >>= 5
            more = value != -1 if group & 0x10 else value != 0
            text += chr(group + 48 + (0x20 if more else 0))
    return text


def _box(x0, y0, x1, y1):
    return [x0, y0, x1, y0, x1, y1, x0, y1]


# ------------------------------------------------------------------ masks
@pytest.mark.parametrize(
    'text,runs',
    [
        ('23;', [2, 3, 11]),
        ('1232', [1, 2, 3, 4]),  # 4th stored as 4 - 2
        ('152L', [1, 5, 2, 1]),  # 'L': -4, so 5 - 4
        ('T3', [100]),  # two 5-bit groups
        (b'T3', [100]),
    ])
def test_decode_rle_string(tool, text, runs):
    assert tool.decode_rle_string(text) == runs


def test_decode_rle_string_truncated(tool):
    with pytest.raises(ValueError, match='truncated'):
        tool.decode_rle_string('T')


def test_rle_is_column_major(tool):
    mask = tool.rle_to_mask({'size': [2, 3], 'counts': [1, 2, 3]})
    assert mask.tolist() == [[False, True, False], [True, False, False]]
    with pytest.raises(ValueError, match='corrupt'):
        tool.rle_to_mask({'size': [2, 3], 'counts': [1, 2]})


def test_polygon_pixel_centre_rule(tool):
    """A box from 2 to 12 covers pixels 2..11: its area, as in COCO."""
    mask = tool.polygons_to_mask([_box(2, 2, 12, 12)], H, W)
    expected = np.zeros((H, W), bool)
    expected[2:12, 2:12] = True
    assert (mask == expected).all()
    # Parts are joined; a part past the border is clipped; a line is empty.
    mask = tool.polygons_to_mask(
        [_box(0, 0, 2, 1),
         _box(28, 18, 40, 40), [1, 1, 5, 5]], H, W)
    assert mask.sum() == 2 + 4 and mask[0, :2].all() and mask[18:, 28:].all()


def test_rle_round_trip(tool):
    rng = np.random.default_rng(0)
    mask = rng.random((H, W)) < 0.3
    runs = _runs(mask)
    assert (tool.rle_to_mask({'size': [H, W], 'counts': runs}) == mask).all()
    assert (tool.rle_to_mask({
        'size': [H, W],
        'counts': _compress(runs)
    }) == mask).all()


# ------------------------------------------------------------- conversion
def _instances(tmp_path, annotations, categories=None):
    data = dict(
        images=[
            dict(id=1, file_name='000000000001.jpg', height=H, width=W),
            dict(id=2, file_name='000000000002.jpg', height=H, width=W)
        ], categories=categories or [
            dict(id=1, name='person'),
            dict(id=3, name='car'),
            dict(id=18, name='dog'),
            dict(id=90, name='toothbrush')
        ], annotations=annotations)
    path = tmp_path / 'instances.json'
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def annotations():
    crowd = np.zeros((H, W), bool)
    crowd[15:19, 20:28] = True
    brush = np.zeros((H, W), bool)
    brush[16:18, 25:30] = True
    return [
        # The dog is listed first but is smaller: drawn on top of the person.
        dict(id=10, image_id=1, category_id=18, iscrowd=0,
             segmentation=[_box(8, 8, 14, 14)]),
        dict(id=11, image_id=1, category_id=1, iscrowd=0,
             segmentation=[_box(2, 2, 12, 12)]),
        dict(id=12, image_id=1, category_id=3, iscrowd=1,
             segmentation=dict(size=[H, W], counts=_runs(crowd))),
        dict(id=13, image_id=1, category_id=90, iscrowd=0,
             segmentation=dict(size=[H, W], counts=_compress(_runs(brush)))),
    ]


def test_convert(tool, tmp_path, annotations, capsys):
    out = tmp_path / 'semantic'
    assert tool.main([
        '--instances',
        str(_instances(tmp_path, annotations)), '--out-dir',
        str(out), '--nproc', '2'
    ]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        '000000000001.png', '000000000002.png'
    ]  # no temporary files left
    label = np.asarray(Image.open(out / '000000000001.png'))
    expected = np.zeros((H, W), np.uint8)
    expected[2:12, 2:12] = 1  # person
    expected[8:14, 8:14] = 17  # dog: category 18 (12 is unused)
    expected[15:19, 20:28] = 255  # crowd car: ignored
    expected[16:18, 25:30] = 80  # toothbrush (90) over the crowd
    assert label.dtype == np.uint8 and label.shape == (H, W)
    assert (label == expected).all()
    assert not np.asarray(Image.open(out / '000000000002.png')).any()
    assert '2 label maps' in capsys.readouterr().out


def test_rejects_unknown_category(tool, tmp_path, annotations, capsys):
    path = _instances(tmp_path, annotations,
                      categories=[dict(id=12, name='street sign')])
    assert tool.main(
        ['--instances',
         str(path), '--out-dir',
         str(tmp_path / 'out')]) == 1
    assert "category 12 'street sign'" in capsys.readouterr().err


def test_rejects_rle_of_other_size(tool, tmp_path, annotations, capsys):
    annotations[2]['segmentation']['size'] = [W, H]
    path = _instances(tmp_path, annotations)
    assert tool.main(
        ['--instances',
         str(path), '--out-dir',
         str(tmp_path / 'out')]) == 1
    assert 'annotation 12: RLE size [30, 20]' in capsys.readouterr().err
