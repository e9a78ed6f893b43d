# mmdd's runtime for small CPU runs (demos, the shapes world, tests): gloo,
# no cudnn tuning, and the paper's AdamW + poly schedule made short for
# training from scratch (lr 1e-3, the same for the backbone, 80
# iterations). Configs that change the length set max_iters, val_interval,
# the checkpoint interval and the PolyLR `end` together.
_base_ = ['./default_runtime.py', './schedules/adamw_poly_20k.py']
optimizer = dict(type='AdamW', lr=1e-3, weight_decay=1e-4)
optim_wrapper = dict(optimizer=optimizer, paramwise_cfg=None)
param_scheduler = [dict(_base_.param_scheduler[0], end=80, eta_min=1e-5)]
train_cfg = dict(max_iters=80, val_interval=80)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=80))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
