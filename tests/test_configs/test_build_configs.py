"""Every config under configs/ builds its model and datasets under scope mmdd.

Pretrained weights are dropped (nothing can be downloaded); each dataset
reads a small fixture of its kind; a SynthDataset generates 2 samples with
a tiny random-weight SD pipeline instead of the config's real model (the
shipped shapes model, ``'mmdd::shapes-t2i'``, is used for real).
"""
import copy
import shutil
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdd.datasets.synth_type import is_synth_dataset
from mmdd.registry import DATASETS, MODELS
from mmdd.utils.dataset_cfgs import is_wrapper, iter_dataset_cfgs, type_name
from tests.utils import CONFIG_DIR

CONFIGS = sorted(
    p for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)
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


def _classes(dataset_cfg) -> tuple:
    """The classes a dataset config will have: its metainfo, else its
    type's METAINFO (the SynthVOCDataset-style presets)."""
    metainfo = dataset_cfg.get('metainfo') or {}
    return tuple(
        metainfo.get('classes')
        or DATASETS.get(dataset_cfg.type).METAINFO['classes'])


def _prepare(dataset_cfg, request, tmp_path: Path) -> None:
    """Point a dataset config (and wrapped ones) at test data."""
    for leaf in iter_dataset_cfgs(dataset_cfg):
        if is_wrapper(leaf):
            continue
        kind = type_name(leaf)
        if is_synth_dataset(leaf):
            _prepare_synth(leaf, request, tmp_path)
        elif kind in DATA_FIXTURES:
            leaf.data_root = request.getfixturevalue(DATA_FIXTURES[kind])
        else:
            pytest.fail(f'no test data for dataset type {kind!r}: add a '
                        'fixture')


def _prepare_synth(dataset_cfg, request, tmp_path: Path) -> None:
    if dataset_cfg.model.startswith('mmdd::shapes-'):
        # The shapes world's models ship with mmdd: use them for real, by
        # the name the config gives.
        from mmdd.shapes.prompts import write_shapes_prompts
        dataset_cfg.update(
            prompts_file=str(
                write_shapes_prompts(tmp_path / 'prompts.jsonl', 4)),
            cache_dir=str(tmp_path / 'cache'), num_samples=2, batch_size=2)
        dataset_cfg.generation.num_inference_steps = 2
    else:
        _use_tiny_model(dataset_cfg, request, tmp_path)
    if dataset_cfg.get('stream'):  # one process cannot split its ranks
        dataset_cfg.stream = dict(mode='interleaved')
    mask_folder = dataset_cfg.get('mask_folder', 'mask')
    if mask_folder != 'mask':  # a self-training round: make its labels
        first_round = DATASETS.build(dict(dataset_cfg, mask_folder='mask'))
        target = tmp_path / 'cache' / mask_folder
        target.mkdir()
        for index in range(len(first_round)):
            source = Path(first_round.get_data_info(index)['seg_map_path'])
            shutil.copy(source, target / source.name)


def _tiny_model(model: str) -> str:
    """The tiny fixture of the model's family (SD, SDXL, FLUX, SD3)."""
    for word, fixture in (('-xl-', 'tiny_sdxl_dir'), ('FLUX', 'tiny_flux_dir'),
                          ('diffusion-3', 'tiny_sd35_dir')):
        if word in model:
            return fixture
    return 'tiny_pipeline_dir'


def _use_tiny_model(dataset_cfg, request, tmp_path: Path) -> None:
    fixture = _tiny_model(dataset_cfg.model)
    dataset_cfg.generation.pop('height', None)  # the tiny model's own
    dataset_cfg.generation.pop('width', None)
    if fixture == 'tiny_flux_dir':  # FLUX names no native size: 64 px
        dataset_cfg.generation.update(height=64, width=64)
    if 'max_sequence_length' in dataset_cfg.generation:
        dataset_cfg.generation.max_sequence_length = 32
    dataset_cfg.update(
        model=str(request.getfixturevalue(fixture)),
        prompts_file=_template_prompts(
            _classes(dataset_cfg),
            tmp_path / 'prompts.jsonl'), cache_dir=str(tmp_path / 'cache'),
        num_samples=2, batch_size=2, torch_dtype='fp32', device='cpu')
    dataset_cfg.generation.num_inference_steps = 1


def test_configs_found():
    names = {str(p.relative_to(CONFIG_DIR)) for p in CONFIGS}
    assert {
        'dd_voc.py', 'dd_coco.py',
        'dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py',
        'dd/dd_deeplabv3_r101-d8_4xb2-40k_syncoco-512x512.py',
        'demo/deeplabv3_r18-d8_1xb4-0.08k_toyshapes-64x64.py',
        'shapes/deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py',
        'shapes/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py',
        'baselines/deeplabv3_r50-d8_4xb2-20k_voc12-512x512.py'
    } <= names


def config_params(paths) -> list:
    """``paths`` as test parameters; the 512x512 (R50/R101) configs are
    marked slow: building those models takes seconds each."""
    return [
        pytest.param(p, id=str(p.relative_to(CONFIG_DIR)),
                     marks=[pytest.mark.slow] if _is_large(p) else [])
        for p in paths
    ]


def _is_large(path: Path) -> bool:
    """A 512x512 config, or an alias naming one as its base."""
    return '512x512' in path.name or '512x512' in path.read_text()


@pytest.mark.parametrize('path', config_params(CONFIGS))
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
