def test_is_synth_dataset_knows_subclasses():
    from mmengine.registry import init_default_scope

    from mmdd.datasets.synth_type import is_synth_dataset
    init_default_scope('mmdd')
    for name in ('SynthDataset', 'mmdd.SynthVOCDataset', 'SynthCOCODataset',
                 'SynthShapesDataset'):
        assert is_synth_dataset(dict(type=name)), name
    for name in ('ShapesDataset', 'ConcatDataset', 'NoSuchDataset'):
        assert not is_synth_dataset(dict(type=name)), name
