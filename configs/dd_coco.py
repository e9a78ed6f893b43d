# `python tools/train.py configs/dd_coco.py`: the paper's COCO setting
# (DeepLabV3-R101 on 40k synthetic images, real COCO 2017 val, 81 classes).
_base_ = ['./dd/dd_deeplabv3_r101-d8_4xb2-40k_syncoco-512x512.py']
