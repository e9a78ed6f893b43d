"""The real-plus-synthetic configs and the example of docs/plugin_usage.md,
"Real plus synthetic data"."""
import re

from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdd.registry import DATASETS
from mmdd.shapes.world import SHAPES_CLASSES, SHAPES_PALETTE
from tests.utils import CONFIG_DIR, REPO_ROOT

SHAPES = CONFIG_DIR / 'shapes'
MIXED = SHAPES / \
    'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-real25-plus-synth-64x64.py'
FINETUNE = SHAPES / \
    'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-real25-finetune-from-synth-64x64.py'
SYNTH = SHAPES / 'dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py'
REAL = SHAPES / 'deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py'


def test_mixed_config_is_the_real_recipe_on_both_datasets():
    mixed, synth, real = (
        Config.fromfile(str(p)) for p in (MIXED, SYNTH, REAL))
    real_part, synthetic_part = mixed.train_dataloader.dataset.datasets
    assert real_part == dict(real.train_dataloader.dataset, indices=25)
    assert synthetic_part == synth.train_dataloader.dataset  # same cache
    assert mixed.train_dataloader.sampler == dict(type='SyntheticShareSampler',
                                                  synthetic_share=0.5)
    assert mixed.model.decode_head.loss_decode == \
        synth.model.decode_head.loss_decode
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                'val_dataloader', 'test_dataloader'):
        assert mixed[key] == real[key], key


def test_finetune_config_loads_the_synthetic_runs_weights():
    finetune, real = Config.fromfile(str(FINETUNE)), Config.fromfile(str(REAL))
    assert finetune.load_from == ('work_dirs/' + SYNTH.stem + '/iter_600.pth')
    assert finetune.train_dataloader.dataset == dict(
        real.train_dataloader.dataset, indices=25)
    assert finetune.model == real.model


def test_users_own_folder_example(tmp_path, shapes_data_root):
    doc = (REPO_ROOT / 'docs' / 'plugin_usage.md').read_text()
    section = doc[doc.index('## Real plus synthetic data'):]
    section = section[section.index('**Your own labelled folder.**'):]
    example = re.search(r'```python\n(.*?)```', section, re.S)[1]
    config = tmp_path / 'my_mixed.py'
    config.write_text(
        example.replace('/path/to/mmdd/configs', str(CONFIG_DIR)))
    cfg = Config.fromfile(str(config))
    mine, synthetic = cfg.train_dataloader.dataset.datasets
    assert cfg.train_dataloader.dataset.type == 'RealSynthDataset'
    assert synthetic.type == 'SynthShapesDataset'
    assert tuple(mine.metainfo.classes) == SHAPES_CLASSES
    assert [list(c) for c in mine.metainfo.palette] == SHAPES_PALETTE
    init_default_scope('mmdd')
    # the folder layout it names, here the shapes world's PNG scenes
    dataset = DATASETS.build(
        dict(mine, data_root=shapes_data_root, img_suffix='.png'))
    assert len(dataset) == 8
    assert dataset[0]['data_samples'].gt_sem_seg.data.max() < 6
