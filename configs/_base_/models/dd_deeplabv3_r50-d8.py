# mmseg's DeepLabV3 (ASPP) R50-V1c-D8 with an FCN auxiliary head (weight
# 0.4) for the paper's VOC setting (21 classes, 512x512 crops), trained with
# mmdd's uncertainty-aware loss: pixels labelled 255 (the uncertain band of
# the attention labels) are ignored, as in the paper.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py', './uncertainty_loss.py']
model = dict(
    data_preprocessor=dict(size=(512, 512)), decode_head=dict(
        num_classes=21, loss_decode=dict(_base_.uncertainty_loss,
                                         loss_weight=1.0)),
    auxiliary_head=dict(
        num_classes=21, loss_decode=dict(_base_.uncertainty_loss,
                                         loss_weight=0.4)))
