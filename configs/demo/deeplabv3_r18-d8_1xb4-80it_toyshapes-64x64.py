# The quick-start demo: a DeepLabV3-R18 trained from scratch for 80
# iterations on the toy dataset that tools/demo.py writes (CPU, ~1 minute).
_base_ = [
    '../_base_/models/deeplabv3_r18-d8.py', '../_base_/datasets/toy_shapes.py',
    '../_base_/default_runtime.py'
]
crop_size = (64, 64)
num_classes = 3
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, begin=0, end=80, eta_min=1e-5,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80, val_interval=80)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=40),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
