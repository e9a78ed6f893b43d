# The paper's COCO setting (configs/dd_coco.py): DeepLabV3-R101 with R101
# ImageNet weights, trained only on 40k synthetic images of COCO's 80
# classes, tested on real COCO 2017 val (81 classes with the background).
# As the VOC recipe, 40k iterations:
#   bash tools/dist_train.sh configs/dd_coco.py 4
_base_ = [
    '../_base_/models/dd_deeplabv3_r50-d8.py',
    '../_base_/datasets/synth_coco.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_40k.py'
]
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101),
             decode_head=dict(num_classes=81),
             auxiliary_head=dict(num_classes=81))
