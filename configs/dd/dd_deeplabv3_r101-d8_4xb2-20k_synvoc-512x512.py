# The R101 variant (the paper's headline), with R101 ImageNet weights (the
# reference code's R101 configs loaded R50 weights).
_base_ = ['./dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py']
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
