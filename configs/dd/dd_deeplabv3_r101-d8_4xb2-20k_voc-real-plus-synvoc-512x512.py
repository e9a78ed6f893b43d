# Real plus synthetic in one run, VOC: the paper's recipe
# (dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py, same bases: a flat
# tree, as mmseg's) trained on real VOC 2012 train (all of it, or its first
# `num_real` images) together with the 40k generated images (same cache),
# half of every batch synthetic (SyntheticShareSampler: 1 + 1 per GPU).
# The uncertainty-aware loss ignores 255: the synthetic labels' uncertain
# band and VOC's own void borders, as mmseg's loss does on real VOC.
#   bash tools/dist_train.sh configs/dd/<this file> 4
# Fewer real labels:
#   --cfg-options train_dataloader.dataset.datasets.0.indices=183
_base_ = [
    '../_base_/models/dd_deeplabv3_r50-d8.py',
    '../_base_/datasets/synth_voc.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_20k.py'
]
model = dict(pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
num_real = None  # None: all 1464 VOC train images; e.g. 183 (an eighth)
real = dict(
    type=_base_.dataset_type, data_root=_base_.data_root,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    ann_file='ImageSets/Segmentation/train.txt', indices=num_real,
    pipeline=_base_.train_pipeline)
synthetic = dict(_base_.train_dataloader.dataset)
train_dataloader = dict(
    sampler=dict(_delete_=True, type='SyntheticShareSampler',
                 synthetic_share=0.5),
    dataset=dict(_delete_=True, type='RealSynthDataset',
                 datasets=[real, synthetic]))
