# Dataset Diffusion in miniature with an mmpretrain backbone: UPerNet on
# ConvNeXt-atto (mmpretrain.ConvNeXt), trained from scratch on the same 400
# generated images and attention labels as
# dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py (same cache: same
# model and settings), with the uncertainty-aware loss; tested on the real
# test split. Needs mmpretrain (requirements/optional.txt).
#   python tools/shapes/make_dataset.py data/shapes --prompts 400
#   python tools/train.py configs/shapes/<this file>
_base_ = [
    '../_base_/models/upernet_convnext-atto.py',
    '../_base_/models/uncertainty_loss.py', '../_base_/datasets/shapes.py',
    '../_base_/generation/shapes_t2i.py', '../_base_/cpu_small_runtime.py'
]
crop_size = (64, 64)
num_classes = 6
iters = 600
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(
        num_classes=num_classes, loss_decode=dict(_base_.uncertainty_loss,
                                                  loss_weight=1.0)),
    auxiliary_head=dict(
        num_classes=num_classes, loss_decode=dict(_base_.uncertainty_loss,
                                                  loss_weight=0.4)))
train_dataloader = dict(
    dataset=dict(_base_.synth_dataset, cache_dir='data/shapes/synth',
                 prompts_file='data/shapes/prompts.jsonl', num_samples=400,
                 batch_size=16, pipeline=_base_.train_pipeline))
param_scheduler = [dict(_base_.param_scheduler[0], end=iters)]
train_cfg = dict(max_iters=iters, val_interval=iters)
default_hooks = dict(checkpoint=dict(interval=iters))
