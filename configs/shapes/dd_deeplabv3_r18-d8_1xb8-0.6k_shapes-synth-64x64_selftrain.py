# Self-training round 2 in miniature (docs/method.md, "Self-training"):
# train again on the synthetic images, labelled by the round-1 model, from
# its weights.
#   python tools/pseudo_label.py configs/shapes/<round-1 config> \
#       work_dirs/<round-1 config>/iter_600.pth
#   python tools/train.py configs/shapes/<this file>
_base_ = ['./dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py']
train_dataloader = dict(dataset=dict(mask_folder='mask_selftrain'))
round_one = 'work_dirs/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64'
load_from = f'{round_one}/iter_600.pth'
