import pytest

from mmdd.utils.dataset_cfgs import (is_wrapper, iter_dataset_cfgs,
                                     iter_loader_dataset_cfgs, type_name)


def _wrapped():
    synth = dict(type='mmdd.SynthDataset', cache_dir='a')
    real = dict(type='ShapesDataset')
    return dict(type='RepeatDataset', times=2,
                dataset=dict(type='ConcatDataset',
                             datasets=[synth, real])), synth, real


def test_walks_through_repeat_and_concat_outer_first():
    outer, synth, real = _wrapped()
    assert [type_name(d) for d in iter_dataset_cfgs(outer)] == [
        'RepeatDataset', 'ConcatDataset', 'SynthDataset', 'ShapesDataset'
    ]
    found = list(iter_dataset_cfgs(outer, types=['SynthDataset']))
    assert found == [synth] and found[0] is synth  # the config's own dict


def test_whole_config_walk_skips_missing_loaders():
    outer, synth, _ = _wrapped()
    cfg = dict(
        train_dataloader=dict(dataset=outer), val_dataloader=None,
        test_dataloader=dict(dataset=dict(type='SynthDataset')))
    found = list(iter_loader_dataset_cfgs(cfg, types=('SynthDataset', )))
    assert len(found) == 2 and found[0] is synth
    for dataset_cfg in found:
        dataset_cfg['generate'] = False
    assert synth['generate'] is False


def test_is_wrapper_tells_wrappers_from_leaves():
    outer, synth, real = _wrapped()
    assert [is_wrapper(d)
            for d in iter_dataset_cfgs(outer)] == [True, True, False, False]
    assert not is_wrapper(dict(type='ConcatDataset', datasets=[]))


def test_old_path_still_finds_is_synth_dataset():
    from mmdd.datasets.synth_type import is_synth_dataset
    from mmdd.utils import dataset_cfgs
    assert dataset_cfgs.is_synth_dataset is is_synth_dataset
    with pytest.raises(AttributeError, match='no attribute'):
        dataset_cfgs.no_such_helper
