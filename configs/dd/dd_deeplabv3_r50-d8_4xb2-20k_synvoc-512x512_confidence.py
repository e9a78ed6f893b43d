# mmdd extension: as the R50 VOC recipe, but each pixel's cross-entropy is
# weighted by its label confidence (floor 0.1) instead of only ignoring the
# uncertain band. See docs/uncertainty_loss.md. The train pipeline is the
# recipe's, with the confidence map loaded after the labels, cropped by
# mmdd's RandomCrop (it counts classes on the label only) and packed apart.
_base_ = ['./dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py']
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
