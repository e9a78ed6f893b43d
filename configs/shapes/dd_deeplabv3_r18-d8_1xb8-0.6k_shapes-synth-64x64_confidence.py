# mmdd extension in miniature: as
# dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py (same bases), but each
# labelled pixel's cross-entropy is weighted by its label confidence (floor
# 0.1), as the VOC recipe's _confidence config (docs/uncertainty_loss.md).
# The confidence map is loaded after the labels and cropped with them by
# mmdd's RandomCrop.
_base_ = [
    '../_base_/recipes/shapes_synth.py', '../_base_/generation/shapes_t2i.py'
]
augment = [
    dict(step, type='mmdd.RandomCrop') if step.type == 'RandomCrop' else step
    for step in _base_.train_pipeline[2:-1]
]
train_dataloader = dict(
    dataset=dict(
        _base_.synth_dataset, cache_dir='data/shapes/synth',
        **dict(
            _base_.train_dataloader.dataset, pipeline=[
                *_base_.train_pipeline[:2],
                dict(type='mmdd.LoadConfidenceMap'),
                *augment,
                dict(type='mmdd.PackSegInputsWithConfidence'),
            ])))
weighted = dict(_base_.uncertainty_loss, confidence_weighting=True,
                confidence_floor=0.1)
model = dict(type='mmdd.ConfidenceEncoderDecoder',
             decode_head=dict(loss_decode=dict(weighted, loss_weight=1.0)),
             auxiliary_head=dict(loss_decode=dict(weighted, loss_weight=0.4)))
