# Real COCO 2017 val as 81-class semantic segmentation (background + 80
# things), the paper's COCO evaluation. Label PNGs come from
# tools/dataset_converters/coco_instances_to_semantic.py
# (docs/dataset_prepare.md).
dataset_type = 'CocoObjectDataset'
data_root = 'data/coco'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='images/val2017',
            seg_map_path='annotations/semantic_val2017'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
