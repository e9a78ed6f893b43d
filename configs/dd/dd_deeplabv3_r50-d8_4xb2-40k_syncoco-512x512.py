# Dataset Diffusion, COCO: DeepLabV3-R50 trained only on 40k synthetic
# images of COCO's 80 classes, tested on real COCO 2017 val (81 classes with
# the background). 40k iterations, otherwise as the VOC recipe (4 GPUs x 2).
_base_ = [
    '../_base_/models/dd_deeplabv3_r50-d8.py',
    '../_base_/datasets/synth_coco.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_40k.py'
]
model = dict(
    decode_head=dict(num_classes=81), auxiliary_head=dict(num_classes=81))
