# Upper bound of the shapes world: DeepLabV3-R18 trained from scratch on
# *real* procedural scenes with exact labels (the train split), evaluated on
# the test split, 600 iterations. Write the data first:
#   python tools/shapes/make_dataset.py data/shapes
_base_ = [
    '../_base_/models/deeplabv3_r18-d8.py', '../_base_/datasets/shapes.py',
    '../_base_/cpu_small_runtime.py'
]
crop_size = (64, 64)
num_classes = 6
iters = 600
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
param_scheduler = [dict(_base_.param_scheduler[0], end=iters)]
train_cfg = dict(max_iters=iters, val_interval=iters)
default_hooks = dict(checkpoint=dict(interval=iters))
