# mmseg's DeepLabV3 (ASPP) R50-V1c-D8 with an FCN auxiliary head (weight
# 0.4), trained with mmdd's uncertainty-aware loss: pixels labelled 255 (the
# uncertain band of the attention labels) are ignored, as in the paper.
# mmdd types carry the 'mmdd.' prefix: dicts inherited through mmseg:: get
# _scope_='mmseg', and nested modules are then looked up from mmseg's scope.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(
            _delete_=True,
            type='mmdd.UncertaintyCrossEntropyLoss',
            ignore_index=255,
            loss_weight=1.0)),
    auxiliary_head=dict(
        loss_decode=dict(
            _delete_=True,
            type='mmdd.UncertaintyCrossEntropyLoss',
            ignore_index=255,
            loss_weight=0.4)))
