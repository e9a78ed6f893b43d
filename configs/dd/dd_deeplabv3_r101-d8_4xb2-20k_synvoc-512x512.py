# The paper's VOC headline (configs/dd_voc.py): DeepLabV3-R101 with R101
# ImageNet weights (the reference code's R101 configs loaded R50 weights),
# trained only on 40k Stable Diffusion 2.1-base images with attention
# labels (generated on the first run), tested on real VOC 2012 val. AdamW
# 1e-4, backbone lr x0.1, poly, 20k iterations, batch 8 in total (4 GPUs x
# 2), crop 512:
#   bash tools/dist_train.sh configs/dd_voc.py 4
_base_ = [
    '../_base_/models/dd_deeplabv3_r50-d8.py',
    '../_base_/datasets/synth_voc.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_20k.py'
]
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
