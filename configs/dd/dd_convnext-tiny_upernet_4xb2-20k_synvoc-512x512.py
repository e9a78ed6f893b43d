# Dataset Diffusion, VOC, with an mmpretrain backbone: UPerNet on
# ConvNeXt-T (mmpretrain.ConvNeXt) from the ImageNet-1k weights mmseg's
# convnext configs name; otherwise the paper's VOC recipe
# (dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py: 40k synthetic images,
# uncertainty-aware loss, AdamW + poly, 20k iterations, batch 4 x 2).
# A GPU config; needs mmpretrain (requirements/optional.txt).
_base_ = [
    'mmseg::_base_/models/upernet_convnext.py',
    '../_base_/models/uncertainty_loss.py', '../_base_/datasets/synth_voc.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adamw_poly_20k.py'
]
checkpoint_file = 'https://download.openmmlab.com/mmclassification/v0/convnext/downstream/convnext-tiny_3rdparty_32xb128-noema_in1k_20220301-795e9634.pth'  # noqa
num_classes = 21
model = dict(
    data_preprocessor=dict(size=(512, 512)), backbone=dict(
        arch='tiny',
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file,
                      prefix='backbone.')),
    decode_head=dict(
        in_channels=[96, 192, 384, 768], num_classes=num_classes,
        loss_decode=dict(_base_.uncertainty_loss, loss_weight=1.0)),
    auxiliary_head=dict(
        in_channels=384, num_classes=num_classes,
        loss_decode=dict(_base_.uncertainty_loss, loss_weight=0.4)))
