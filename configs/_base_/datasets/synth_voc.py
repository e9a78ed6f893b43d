# Train on synthetic VOC (SynthVOCDataset, the paper's generation, made on
# the first run into cache_dir) with mmseg's VOC train pipeline; validate
# and test on real VOC 2012 val as mmseg does.
_base_ = [
    'mmseg::_base_/datasets/pascal_voc12.py', '../generation/sd21_base.py'
]
train_dataloader = dict(
    batch_size=2, dataset=dict(_base_.synth_dataset, type='SynthVOCDataset',
                               cache_dir='data/gen_voc',
                               prompts_file='data/prompts/voc_train.jsonl',
                               pipeline=_base_.train_pipeline))
