# Train on synthetic COCO (SynthCOCODataset: COCO's 80 thing classes, the
# paper's generation); validate and test on real COCO 2017 val as 81-class
# semantic segmentation (background + 80 things), whose label PNGs
# tools/dataset_converters/coco_instances_to_semantic.py writes
# (docs/dataset_prepare.md). Pipelines are mmseg's COCO-Stuff ones.
_base_ = [
    'mmseg::_base_/datasets/coco-stuff164k.py', '../generation/sd21_base.py'
]
# 'mmdd.': the loader inherited through mmseg:: resolves in mmseg's scope.
dataset_type = 'mmdd.CocoObjectDataset'
data_root = 'data/coco'
train_dataloader = dict(
    batch_size=2, dataset=dict(_base_.synth_dataset, type='SynthCOCODataset',
                               cache_dir='data/gen_coco',
                               prompts_file='data/prompts/coco_train.jsonl',
                               pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, data_prefix=dict(
            img_path='images/val2017',
            seg_map_path='annotations/semantic_val2017')))
test_dataloader = val_dataloader
