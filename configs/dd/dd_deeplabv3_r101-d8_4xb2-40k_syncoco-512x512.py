# The paper's COCO setting: the R50 COCO recipe with a DeepLabV3-R101 and
# R101 ImageNet weights.
_base_ = ['./dd_deeplabv3_r50-d8_4xb2-40k_syncoco-512x512.py']
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
