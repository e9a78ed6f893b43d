"""The shape of configs/: mmseg's naming, shallow inheritance, the paper's
settings, the shared generation blocks and the metafiles mim reads."""
import ast
import re
from pathlib import Path

import pytest
import yaml
from mmengine.config import Config

from tests.utils import CONFIG_DIR, REPO_ROOT

LEAVES = sorted(p for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)
# Full mmseg-style names live in folders; configs/*.py are short aliases.
NAMED = [p for p in LEAVES if p.parent != CONFIG_DIR]
PAPER = {'voc': CONFIG_DIR / 'dd_voc.py', 'coco': CONFIG_DIR / 'dd_coco.py'}
RECIPES = CONFIG_DIR / '_base_' / 'recipes'
SHAPES_SYNTH = (
    CONFIG_DIR / 'shapes' /
    'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py')


def _ids(path: Path) -> str:
    return str(path.relative_to(CONFIG_DIR))


def _bases(path: Path) -> list:
    """The ``_base_`` entries of a config file, read without running it."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id',
                                                    None) == '_base_':
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


def _levels_to_mmseg(path: Path) -> int:
    """The longest chain of ``_base_`` steps from ``path`` to a file with no
    base or to one of mmseg's configs (``mmseg::``, counted as one step)."""
    depths = [
        1 if base.startswith('mmseg::') else 1 + _levels_to_mmseg(
            (path.parent / base).resolve()) for base in _bases(path)
    ]
    return max(depths, default=0)


def _completes_a_recipe(path: Path) -> bool:
    return any((path.parent / base).resolve().parent == RECIPES
               for base in _bases(path))


@pytest.mark.parametrize('path', LEAVES, ids=_ids)
def test_leaf_is_at_most_three_levels_above_mmseg(path):
    """Three, or four for a config that completes a recipe
    (``_base_/recipes/``: a whole config less its generator, which the
    variants that differ by the generator share instead of repeating)."""
    assert _levels_to_mmseg(path) <= (4 if _completes_a_recipe(path) else 3)


GENERATOR_KEYS = ('type', 'model', 'torch_dtype', 'generation', 'cache_dir')


def _less_the_generator(path: Path) -> dict:
    cfg = Config.fromfile(str(path)).to_dict()
    cfg.pop('synth_dataset')
    dataset = cfg['train_dataloader']['dataset']
    for key in GENERATOR_KEYS:
        dataset.pop(key)
    return cfg


@pytest.mark.parametrize('names', [
    ('shapes/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py',
     'shapes/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-sd-synth-64x64.py',
     'shapes/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-dit-synth-64x64.py'),
    ('dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-sdxl-512x512.py',
     'dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-sd35-512x512.py',
     'dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-flux-dev-512x512.py',
     'dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-flux-schnell-512x512.py'),
], ids=['shapes', 'synvoc-1024px'])
def test_variants_of_one_recipe_differ_by_the_generator_only(names):
    paths = [CONFIG_DIR / name for name in names]
    assert all(_completes_a_recipe(path) for path in paths)
    first, *others = [_less_the_generator(path) for path in paths]
    for path, other in zip(paths[1:], others):
        assert other == first, path.name


@pytest.mark.parametrize('path', NAMED, ids=_ids)
def test_name_states_batch_and_iterations_as_mmseg_does(path):
    """``..._<gpus>xb<batch>-<N>k_...``: the per-GPU batch and the training
    length in thousands of iterations (``0.6k`` = 600)."""
    match = re.search(r'_(\d+)xb(\d+)-(\d+(?:\.\d+)?)k_', path.name)
    assert match, f'{path.name}: no <gpus>xb<batch>-<N>k part'
    cfg = Config.fromfile(str(path))
    assert cfg.train_dataloader.batch_size == int(match[2])
    assert cfg.train_cfg.max_iters == round(float(match[3]) * 1000)


@pytest.mark.parametrize('name', sorted(PAPER))
def test_paper_settings(name):
    cfg = Config.fromfile(str(PAPER[name]))
    iters, classes, dataset = dict(
        voc=(20000, 21, 'SynthVOCDataset'),
        coco=(40000, 81, 'SynthCOCODataset'))[name]
    assert cfg.model.backbone.depth == 101
    assert cfg.model.pretrained == 'open-mmlab://resnet101_v1c'
    assert cfg.model.decode_head.num_classes == classes
    assert cfg.train_cfg.max_iters == iters
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult \
        == 0.1
    assert cfg.model.auxiliary_head.loss_decode.loss_weight == 0.4
    assert cfg.randomness.seed is not None  # training is seeded
    synth = cfg.train_dataloader.dataset
    assert synth.type == dataset and '_delete_' not in synth
    assert synth.model == 'stabilityai/stable-diffusion-2-1-base'
    assert synth.num_samples == 40000 and synth.seed == 1111
    assert synth.generation.num_inference_steps == 100
    assert synth.generation.guidance_scale == 7.5
    assert cfg.train_dataloader.batch_size == 2  # 4 GPUs x 2 = 8


def test_voc_and_coco_share_one_generation_block():
    voc, coco = (
        Config.fromfile(str(p)).train_dataloader.dataset
        for p in PAPER.values())
    per_dataset = ('type', 'cache_dir', 'prompts_file')
    assert {k: v for k, v in voc.items() if k not in per_dataset} == \
        {k: v for k, v in coco.items() if k not in per_dataset}
    assert voc.cache_dir != coco.cache_dir


def test_dataset_presets_carry_the_class_names():
    from mmdd.datasets import (SynthCOCODataset, SynthShapesDataset,
                               SynthVOCDataset)
    from mmdd.prompts.class_names import COCO_CLASSES, VOC_CLASSES
    from mmdd.shapes.world import SHAPES_CLASSES
    for preset, classes in ((SynthVOCDataset, VOC_CLASSES), (SynthCOCODataset,
                                                             COCO_CLASSES),
                            (SynthShapesDataset, SHAPES_CLASSES)):
        assert preset.METAINFO['classes'] == classes
        assert len(preset.METAINFO['palette']) == len(classes)


def test_shapes_generation_block_is_the_models_settings():
    from mmdd.shapes.fidelity import shapes_generation_config
    synth = Config.fromfile(str(SHAPES_SYNTH)).train_dataloader.dataset
    assert synth.type == 'SynthShapesDataset'
    assert synth.model == 'mmdd::shapes-t2i'
    assert dict(synth.generation) == {
        key: value
        for key, value in vars(shapes_generation_config()).items()
        if key in synth.generation
    }
    assert set(synth.generation) >= {
        'num_inference_steps', 'guidance_scale', 'negative_prompt', 'tau',
        'cross_attention_factor', 'self_attention_factor'
    }


def test_sd_proportioned_shapes_block_is_the_papers_labelling():
    from mmdd.diffusion import GenerationConfig
    synth = Config.fromfile(
        str(SHAPES_SYNTH.parent /
            'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-sd-synth-64x64.py')
    ).train_dataloader.dataset
    assert synth.model == 'mmdd::shapes-t2i-sd'
    generation = GenerationConfig(**synth.generation)
    paper = GenerationConfig()
    assert (generation.tau, generation.foreground_threshold,
            generation.uncertain_threshold) == (paper.tau,
                                                paper.foreground_threshold,
                                                paper.uncertain_threshold)
    # Latent 32: self-attention 32x32 and cross-attention 16x16, as SD
    # 2.1's 32x32 and 16x16 at 512 px.
    assert (generation.self_attention_factor,
            generation.cross_attention_factor) == (1, 2)


def test_users_config_inherits_the_shapes_block_by_path(tmp_path):
    """The example of docs/plugin_usage.md, with the path filled in."""
    doc = (REPO_ROOT / 'docs' / 'plugin_usage.md').read_text()
    section = doc[doc.index('## Generate with the shipped shapes model'):]
    example = re.search(r'```python\n(.*?)```', section, re.S)[1]
    config = tmp_path / 'elsewhere' / 'my_shapes.py'
    config.parent.mkdir()
    config.write_text(
        example.replace('/path/to/mmdd/configs', str(CONFIG_DIR)))
    cfg = Config.fromfile(str(config))
    synth = cfg.train_dataloader.dataset
    assert synth.type == 'SynthShapesDataset'
    assert synth.model == 'mmdd::shapes-t2i'
    assert synth.cache_dir == 'work_dirs/my_shapes/synth'
    assert synth.pipeline == cfg.train_pipeline
    assert cfg.test_dataloader.dataset.type == 'ShapesDataset'


def test_model_index_lists_every_leaf_config():
    index = yaml.safe_load((REPO_ROOT / 'model-index.yml').read_text())
    listed = {}
    for metafile in index['Import']:
        meta = yaml.safe_load((REPO_ROOT / metafile).read_text())
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections, model['Name']
            assert Path(model['Config']).stem == model['Name']
            listed[model['Config']] = model
    assert set(listed) == {str(p.relative_to(REPO_ROOT)) for p in NAMED}
    for folder in ('dd', 'baselines', 'shapes', 'demo'):
        assert (CONFIG_DIR / folder / 'README.md').is_file(), folder
