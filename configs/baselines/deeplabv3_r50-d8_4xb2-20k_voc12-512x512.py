# The paper's segmenter recipe trained on *real* PASCAL VOC 2012 train: the
# upper bound that synthetic-only training is compared with. DeepLabV3
# R50-D8 from mmseg, AdamW 1e-4 with backbone lr x0.1, poly, 20k
# iterations, batch 8 in total (4 GPUs x 2), crop 512.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    'mmseg::_base_/datasets/pascal_voc12.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_20k.py'
]
crop_size = (512, 512)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21))
train_dataloader = dict(batch_size=2)
