# `python tools/train.py configs/dd_voc.py`: the paper's VOC headline setting
# (DeepLabV3-R101 on 40k synthetic images, real VOC 2012 val). Other variants:
# configs/dd/ (R50, EMA, COCO).
_base_ = ['./dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py']
