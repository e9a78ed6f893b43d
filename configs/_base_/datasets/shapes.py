# The shapes world's real (ground-truth) splits: 64x64 procedural scenes of
# circles, squares, triangles, crosses and stars with exact label maps.
# Written by `python tools/shapes/make_dataset.py data/shapes`
# (mmdd.datasets.write_shapes_split). Same pipelines as the toy dataset.
_base_ = ['./toy_shapes.py']
dataset_type = 'ShapesDataset'
data_root = 'data/shapes'
# = mmdd.shapes.world.SHAPES_CLASSES / SHAPES_PALETTE (a test checks it)
metainfo = dict(
    classes=('background', 'circle', 'square', 'triangle', 'cross', 'star'),
    palette=[[0, 0, 0], [220, 30, 30], [30, 70, 225], [30, 175, 50],
             [235, 200, 20], [165, 45, 205]])
shapes_dataset = dict(type=dataset_type, data_root=data_root, metainfo=metainfo)
train_dataloader = dict(batch_size=8, dataset=shapes_dataset)
val_dataloader = dict(dataset=shapes_dataset)
test_dataloader = dict(
    dataset=dict(
        data_prefix=dict(img_path='img_dir/test', seg_map_path='ann_dir/test'),
        **shapes_dataset))
