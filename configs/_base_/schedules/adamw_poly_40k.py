# The paper's COCO schedule: the 20k one, twice as long.
_base_ = ['./adamw_poly_20k.py']
param_scheduler = [dict(_base_.param_scheduler[0], end=40000)]
train_cfg = dict(max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
