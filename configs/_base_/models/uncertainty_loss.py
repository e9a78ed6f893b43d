# mmdd's uncertainty-aware loss for heads trained on attention labels:
# pixels labelled 255 (the uncertain band) are ignored. `_delete_` drops the
# arguments of mmseg's CrossEntropyLoss it replaces; the 'mmdd.' prefix
# finds it from heads inherited through mmseg::. Inherit this file beside a
# model and write
#   loss_decode=dict(_base_.uncertainty_loss, loss_weight=...)
# or, for an EncoderDecoder's two heads (auxiliary weight 0.4),
#   model = _base_.uncertainty_heads
uncertainty_loss = dict(_delete_=True, type='mmdd.UncertaintyCrossEntropyLoss',
                        ignore_index=255)
uncertainty_heads = dict(
    decode_head=dict(loss_decode=dict(uncertainty_loss, loss_weight=1.0)),
    auxiliary_head=dict(loss_decode=dict(uncertainty_loss, loss_weight=0.4)))
