# mmdd extension in miniature: each labelled pixel's cross-entropy weighted
# by its label confidence (floor 0.1), as the VOC recipe's _confidence
# config (docs/uncertainty_loss.md). The confidence map is loaded after the
# labels and cropped with them by mmdd's RandomCrop.
_base_ = ['./dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py']
weighted = dict(confidence_weighting=True, confidence_floor=0.1)
model = dict(type='mmdd.ConfidenceEncoderDecoder',
             decode_head=dict(loss_decode=weighted),
             auxiliary_head=dict(loss_decode=weighted))
augment = [
    dict(step, type='mmdd.RandomCrop') if step.type == 'RandomCrop' else step
    for step in _base_.train_pipeline[2:-1]
]
train_dataloader = dict(
    dataset=dict(pipeline=[
        *_base_.train_pipeline[:2],
        dict(type='mmdd.LoadConfidenceMap'),
        *augment,
        dict(type='mmdd.PackSegInputsWithConfidence'),
    ]))
