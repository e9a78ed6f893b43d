"""Every config under configs/ builds its model and datasets under scope mmdd.

Pretrained weights are dropped (nothing can be downloaded); each dataset
reads a small fixture of its kind; SynthDataset generates 2 samples with a
tiny random-weight SD pipeline instead of the config's real model.
"""
import copy
import shutil
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdd.registry import DATASETS, MODELS
from mmdd.utils.dataset_cfgs import is_wrapper, iter_dataset_cfgs, type_name
from tests.conftest import CONFIG_DIR

CONFIGS = sorted(p for p in CONFIG_DIR.rglob('*.py')
                 if '_base_' not in p.parts)
DATA_FIXTURES = {
    'ToyShapesDataset': 'toy_data_root',
    'ShapesDataset': 'shapes_data_root',
    'PascalVOCDataset': 'fake_voc_root',
    'CocoObjectDataset': 'fake_coco_root',
}


def _without_pretrained_weights(model_cfg):
    model_cfg = copy.deepcopy(model_cfg)
    model_cfg.pretrained = None
    model_cfg.backbone.init_cfg = None
    return model_cfg


def _template_prompts(classes, path: Path) -> str:
    from mmdd.prompts import template_prompts, write_prompts
    write_prompts(template_prompts(list(classes), 4, seed=0), path)
    return str(path)


def _prepare(dataset_cfg, request, tmp_path: Path) -> None:
    """Point a dataset config (and wrapped ones) at test data."""
    for leaf in iter_dataset_cfgs(dataset_cfg):
        if not is_wrapper(leaf):
            _prepare_leaf(leaf, request, tmp_path)


def _prepare_leaf(dataset_cfg, request, tmp_path: Path) -> None:
    kind = type_name(dataset_cfg)
    if kind == 'SynthDataset' and 'shapes-t2i' in dataset_cfg.model:
        # The shapes world's model ships with mmdd: use it for real.
        from mmdd.shapes import DEFAULT_MODEL
        from mmdd.shapes.prompts import write_shapes_prompts
        dataset_cfg.update(
            model=DEFAULT_MODEL, prompts_file=str(write_shapes_prompts(
                tmp_path / 'prompts.jsonl', 4)),
            cache_dir=str(tmp_path / 'cache'), num_samples=2, batch_size=2)
        dataset_cfg.generation.num_inference_steps = 2
    elif kind == 'SynthDataset':
        sdxl = '-xl-' in dataset_cfg.model
        dataset_cfg.generation.pop('height', None)  # the tiny model's own
        dataset_cfg.generation.pop('width', None)
        dataset_cfg.update(
            model=str(request.getfixturevalue(
                'tiny_sdxl_dir' if sdxl else 'tiny_pipeline_dir')),
            prompts_file=_template_prompts(dataset_cfg.metainfo.classes,
                                           tmp_path / 'prompts.jsonl'),
            cache_dir=str(tmp_path / 'cache'), num_samples=2, batch_size=2,
            torch_dtype='fp32', device='cpu')
        dataset_cfg.generation.num_inference_steps = 1
        mask_folder = dataset_cfg.get('mask_folder', 'mask')
        if mask_folder != 'mask':  # a self-training round: make its labels
            first_round = DATASETS.build(dict(dataset_cfg, mask_folder='mask'))
            target = tmp_path / 'cache' / mask_folder
            target.mkdir()
            for index in range(len(first_round)):
                source = Path(first_round.get_data_info(index)['seg_map_path'])
                shutil.copy(source, target / source.name)
    elif kind in DATA_FIXTURES:
        dataset_cfg.data_root = request.getfixturevalue(DATA_FIXTURES[kind])
    else:
        pytest.fail(f'no test data for dataset type {kind!r}: add a fixture')


def test_configs_found():
    names = {str(p.relative_to(CONFIG_DIR)) for p in CONFIGS}
    assert {'dd_voc.py', 'dd_coco.py',
            'demo/deeplabv3_r18-d8_1xb4-80it_toyshapes-64x64.py',
            'shapes/deeplabv3_r18-d8_1xb8-600it_shapes-real-64x64.py',
            'shapes/dd_deeplabv3_r18-d8_1xb8-600it_shapes-synth-64x64.py',
            'baselines/deeplabv3_r50-d8_4xb2-20k_voc12-512x512.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: str(
    p.relative_to(CONFIG_DIR)))
def test_config_builds_model_and_datasets(path: Path, request, tmp_path):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmdd'
    init_default_scope('mmdd')
    model = MODELS.build(_without_pretrained_weights(cfg.model))
    num_classes = cfg.model.decode_head.num_classes
    assert model.decode_head.num_classes == num_classes

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        _prepare(cfg[key].dataset, request, tmp_path)
        dataset = DATASETS.build(cfg[key].dataset)
        assert len(dataset) > 0, key
        assert len(dataset.metainfo['classes']) == num_classes, key
        sample = dataset[0]
        assert sample['data_samples'].gt_sem_seg.data.ndim == 3


def test_paper_settings_in_the_short_configs():
    voc = Config.fromfile(str(CONFIG_DIR / 'dd_voc.py'))
    coco = Config.fromfile(str(CONFIG_DIR / 'dd_coco.py'))
    for cfg, iters, classes in ((voc, 20000, 21), (coco, 40000, 81)):
        assert cfg.model.backbone.depth == 101
        assert cfg.model.pretrained == 'open-mmlab://resnet101_v1c'
        assert cfg.train_cfg.max_iters == iters
        assert cfg.optim_wrapper.optimizer.type == 'AdamW'
        assert cfg.optim_wrapper.optimizer.lr == 1e-4
        assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4
        assert cfg.optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult \
            == 0.1
        assert cfg.model.auxiliary_head.loss_decode.loss_weight == 0.4
        synth = cfg.train_dataloader.dataset
        assert synth.type == 'SynthDataset'
        assert synth.num_samples == 40000 and synth.seed == 1111
        assert synth.generation.num_inference_steps == 100
        assert synth.generation.guidance_scale == 7.5
        assert len(synth.metainfo.classes) == classes
        assert cfg.train_dataloader.batch_size * 4 == 8  # 4 GPUs x 2


def test_config_class_lists_match_mmdd_class_names():
    from mmdd.prompts import (COCO_CLASSES, COCO_PALETTE, VOC_CLASSES,
                              VOC_PALETTE)
    voc = Config.fromfile(str(CONFIG_DIR / 'dd_voc.py'))
    coco = Config.fromfile(str(CONFIG_DIR / 'dd_coco.py'))
    assert tuple(voc.synth_classes) == tuple(VOC_CLASSES)
    assert [list(c) for c in voc.synth_palette] == [list(c)
                                                      for c in VOC_PALETTE]
    assert tuple(coco.synth_classes) == tuple(COCO_CLASSES)
    assert [list(c) for c in coco.synth_palette] == [list(c)
                                                       for c in COCO_PALETTE]


def test_shapes_configs_name_the_world_classes():
    from mmdd.shapes.world import SHAPES_CLASSES, SHAPES_PALETTE
    cfg = Config.fromfile(str(
        CONFIG_DIR / 'shapes' /
        'dd_deeplabv3_r18-d8_1xb8-600it_shapes-synth-64x64.py'))
    for key in ('train_dataloader', 'test_dataloader'):
        metainfo = cfg[key].dataset.metainfo
        assert tuple(metainfo.classes) == SHAPES_CLASSES
        assert [list(c) for c in metainfo.palette] == SHAPES_PALETTE
    from mmdd.shapes.fidelity import shapes_generation_config
    expected = vars(shapes_generation_config())
    for key, value in cfg.train_dataloader.dataset.generation.items():
        assert expected[key] == value, key
