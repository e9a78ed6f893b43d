"""RealSynthDataset: real and synthetic parts side by side, every packed
sample tagged with its kind; the class lists must agree by index."""
import pytest
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmdd.datasets import RealSynthDataset, SynthDataset
from mmdd.registry import DATASETS
from tests.utils import synth_dataset_cfg

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]


def real_cfg(data_root: str, **overrides) -> dict:
    cfg = dict(
        type='ToyShapesDataset', data_root=data_root,
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train'), pipeline=PIPELINE)
    cfg.update(overrides)
    return cfg


@pytest.fixture
def mixed_cfg(toy_data_root, tiny_pipeline_dir, toy_prompts_file, tmp_path,
              monkeypatch):
    monkeypatch.setenv('MMDD_CACHE_HOME', str(tmp_path / 'mmdd-home'))
    init_default_scope('mmdd')
    synthetic = synth_dataset_cfg(
        str(tiny_pipeline_dir), toy_prompts_file, str(tmp_path / 'cache'),
        num_samples=6)
    return dict(type='RealSynthDataset',
                datasets=[real_cfg(toy_data_root, indices=4), synthetic])


def test_parts_and_tags(mixed_cfg):
    dataset = DATASETS.build(mixed_cfg)
    assert isinstance(dataset.datasets[1], SynthDataset)
    assert dataset.synthetic_flags == [False, True]
    assert len(dataset) == 4 + 6  # `indices=4`: the first 4 real scenes
    assert dataset.metainfo['classes'] == ('background', 'square', 'disc')
    tags = [dataset[i]['data_samples'].synthetic for i in range(len(dataset))]
    assert tags == [False] * 4 + [True] * 6


def test_every_batch_holds_the_share_through_the_runner(mixed_cfg):
    """mmengine's Runner builds the sampler from the config; batches of 4
    with share 0.5 hold 2 real and 2 synthetic samples each."""
    loader = Runner.build_dataloader(
        dict(batch_size=4, num_workers=0, dataset=mixed_cfg,
             sampler=dict(type='SyntheticShareSampler', synthetic_share=0.5)),
        seed=3)
    batches = iter(loader)
    for _ in range(6):  # more draws than the 4 real scenes: they come again
        batch = next(batches)
        tags = [sample.synthetic for sample in batch['data_samples']]
        assert sorted(tags) == [False, False, True, True]


def test_class_lists_must_agree_by_index(toy_data_root):
    init_default_scope('mmdd')
    palette = [[0, 0, 0], [1, 1, 1], [2, 2, 2]]
    other = dict(classes=('background', 'disc', 'square'), palette=palette)
    message = "class 1 is 'square' in part 0 but 'disc' in part 1"
    with pytest.raises(ValueError, match=message):
        RealSynthDataset(
            [real_cfg(toy_data_root),
             real_cfg(toy_data_root, metainfo=other)], synthetic=[1])
    fewer = dict(classes=('background', 'square'), palette=[[0, 0, 0]] * 2)
    with pytest.raises(ValueError, match='has 2 classes, part 0'):
        RealSynthDataset(
            [real_cfg(toy_data_root),
             real_cfg(toy_data_root, metainfo=fewer)], synthetic=[1])


def test_spellings_of_one_class_match_and_the_first_names_are_kept(
        toy_data_root):
    init_default_scope('mmdd')
    spelled = dict(
        classes=('Back_ground', 'square', 'disc'), palette=[[9, 9, 9]] * 3)
    other = real_cfg(toy_data_root, type='BaseSegDataset', metainfo=spelled,
                     img_suffix='.png', seg_map_suffix='.png')
    dataset = RealSynthDataset([real_cfg(toy_data_root), other], synthetic=[1])
    assert dataset.metainfo['classes'][0] == 'background'
    assert dataset.metainfo['palette'][0] == [0, 0, 0]


def test_a_mix_needs_both_kinds(toy_data_root):
    init_default_scope('mmdd')
    with pytest.raises(ValueError, match='every part is real'):
        RealSynthDataset([real_cfg(toy_data_root), real_cfg(toy_data_root)])
    with pytest.raises(ValueError, match=r'parts \[5\] do not exist'):
        RealSynthDataset([real_cfg(toy_data_root),
                          real_cfg(toy_data_root)], synthetic=[5])
