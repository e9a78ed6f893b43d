# A DeepLabV3-R18 trained from scratch for 80 iterations on the toy dataset
# (mmdd.testing.make_toy_dataset; CPU, ~1 minute). The tests' smallest
# end-to-end run.
_base_ = [
    '../_base_/models/deeplabv3_r18-d8.py', '../_base_/datasets/toy_shapes.py',
    '../_base_/cpu_small_runtime.py'
]
crop_size = (64, 64)
num_classes = 3
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
default_hooks = dict(checkpoint=dict(interval=40))
