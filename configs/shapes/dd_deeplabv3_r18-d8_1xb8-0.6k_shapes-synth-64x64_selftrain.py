# Self-training round 2 in miniature (docs/method.md, "Self-training"):
# as dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py (same bases), on
# the synthetic images labelled by the round-1 model, from its weights.
#   python tools/pseudo_label.py \
#       configs/shapes/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py \
#       work_dirs/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64/iter_600.pth
#   python tools/train.py configs/shapes/<this file>
_base_ = [
    '../_base_/recipes/shapes_synth.py', '../_base_/generation/shapes_t2i.py'
]
train_dataloader = dict(
    dataset=dict(_base_.synth_dataset, **_base_.train_dataloader.dataset,
                 cache_dir='data/shapes/synth', mask_folder='mask_selftrain'))
round_one = 'work_dirs/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64'
load_from = f'{round_one}/iter_600.pth'
