# The shapes world's real (ground-truth) splits: 64x64 procedural scenes of
# circles, squares, triangles, crosses and stars with exact label maps
# (classes and palette: ShapesDataset's METAINFO). Written by
# `python tools/shapes/make_dataset.py data/shapes`
# (mmdd.datasets.write_shapes_split). Same pipelines as the toy dataset.
_base_ = ['./toy_shapes.py']
dataset_type = 'ShapesDataset'
data_root = 'data/shapes'
shapes_dataset = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(batch_size=8, dataset=shapes_dataset)
val_dataloader = dict(dataset=shapes_dataset)
test_dataloader = dict(
    dataset=dict(
        data_prefix=dict(img_path='img_dir/test', seg_map_path='ann_dir/test'),
        **shapes_dataset))
