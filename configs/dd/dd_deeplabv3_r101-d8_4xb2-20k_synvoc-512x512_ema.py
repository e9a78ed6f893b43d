# The paper's VOC recipe evaluating an exponential moving average of the
# weights (EMAHook), as the authors report for the paper's runs.
_base_ = [
    './dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py', '../_base_/ema.py'
]
