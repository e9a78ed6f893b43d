# The paper's VOC headline: the R50 recipe with a DeepLabV3-R101 and R101
# ImageNet weights (the reference code's R101 configs loaded R50 weights).
#   bash tools/dist_train.sh configs/dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py 4
_base_ = ['./dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py']
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
