"""Every config under configs/ builds its model and datasets under scope mmdd."""
import copy
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdd.registry import DATASETS, MODELS
from tests.conftest import CONFIG_DIR, point_dataloaders_at

CONFIGS = sorted(p for p in CONFIG_DIR.rglob('*.py')
                 if '_base_' not in p.parts)


def _data_root_for(cfg, request) -> str:
    dataset = cfg.train_dataloader.dataset
    kind = dataset.get('type')
    if kind == 'ConcatDataset':
        kind = dataset.datasets[0].type
    fixture = {
        'ToyShapesDataset': 'toy_data_root',
        'PascalVOCDataset': 'fake_voc_root',
    }.get(kind)
    if fixture is None:
        pytest.fail(f'no test data for dataset type {kind!r}: add a fixture')
    return request.getfixturevalue(fixture)


def _without_pretrained_weights(model_cfg):
    """No weights can be downloaded in tests."""
    model_cfg = copy.deepcopy(model_cfg)
    model_cfg.pretrained = None
    model_cfg.backbone.init_cfg = None
    return model_cfg


def test_configs_found():
    names = {p.name for p in CONFIGS}
    assert 'deeplabv3_r18-d8_1xb4-80it_toyshapes-64x64.py' in names
    assert 'deeplabv3_r50-d8_4xb2-20k_voc12-512x512.py' in names


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(
    p.relative_to(CONFIG_DIR)))
def test_config_builds_model_and_datasets(path: Path, request):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmdd'
    init_default_scope('mmdd')
    model = MODELS.build(_without_pretrained_weights(cfg.model))
    num_classes = cfg.model.decode_head.num_classes
    assert model.decode_head.num_classes == num_classes

    point_dataloaders_at(cfg, _data_root_for(cfg, request))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(cfg[key].dataset)
        assert len(dataset) > 0, key
        assert len(dataset.metainfo['classes']) == num_classes
        sample = dataset[0]
        assert sample['data_samples'].gt_sem_seg.data.ndim == 3
