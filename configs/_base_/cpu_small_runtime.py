# mmdd's runtime for small CPU runs (demos, the shapes world, tests):
# gloo, no cudnn tuning, and a short from-scratch schedule, AdamW with poly
# decay; configs that change the length set max_iters, val_interval and the
# PolyLR `end` together.
_base_ = ['./default_runtime.py']
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
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=80),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
