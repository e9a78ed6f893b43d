# The tiny dataset mmdd writes itself (mmdd.testing.make_toy_dataset):
# squares and discs on noise, 64x64 pixels.
dataset_type = 'ToyShapesDataset'
data_root = 'data/toy_shapes'
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(128, 64), ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
# `tools/test.py --tta`: three scales, each also flipped (as mmseg's, sized
# for 64x64 images).
img_ratios = [0.75, 1.0, 1.25]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug', transforms=[[
            dict(type='Resize', scale_factor=r, keep_ratio=True)
            for r in img_ratios
        ],
                                        [
                                            dict(type='RandomFlip', prob=0.,
                                                 direction='horizontal'),
                                            dict(type='RandomFlip', prob=1.,
                                                 direction='horizontal')
                                        ], [dict(type='LoadAnnotations')],
                                        [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True), dataset=dict(
        type=dataset_type, data_root=data_root,
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False), dataset=dict(
        train_dataloader['dataset'],
        data_prefix=dict(img_path='img_dir/val',
                         seg_map_path='ann_dir/val'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
