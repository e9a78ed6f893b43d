# mmdd extension: as the R50 VOC recipe, but each pixel's cross-entropy is
# weighted by its label confidence (floor 0.1) instead of only ignoring the
# uncertain band. See docs/uncertainty_loss.md.
_base_ = ['./dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py']
crop_size = (512, 512)
weighted = dict(confidence_weighting=True, confidence_floor=0.1)
model = dict(
    type='mmdd.ConfidenceEncoderDecoder',
    decode_head=dict(loss_decode=weighted),
    auxiliary_head=dict(loss_decode=weighted))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='mmdd.LoadConfidenceMap'),
        dict(
            type='RandomResize',
            scale=(2048, 512),
            ratio_range=(0.5, 2.0),
            keep_ratio=True),
        dict(type='mmdd.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='mmdd.PackSegInputsWithConfidence')
    ]))
