# Exponential moving average of the weights (mmengine's EMAHook); the
# authors report that the paper's runs evaluated EMA weights.
custom_hooks = [
    dict(type='EMAHook', momentum=0.0002, update_buffers=True, priority=49)
]
