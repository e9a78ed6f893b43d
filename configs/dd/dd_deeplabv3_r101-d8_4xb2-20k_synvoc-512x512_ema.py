# R101 on synthetic VOC, evaluating an exponential moving average of the
# weights (EMAHook), as the authors report for the paper's runs.
_base_ = [
    './dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py', '../_base_/ema.py'
]
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
