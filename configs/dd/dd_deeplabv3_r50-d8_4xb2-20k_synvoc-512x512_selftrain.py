# Self-training round 2 (the paper's optional second round): train again on
# the synthetic images, now labelled by the round-1 model
# (tools/pseudo_label.py writes <cache>/mask_selftrain/), starting from the
# round-1 weights. Steps: docs/method.md, "Self-training".
_base_ = ['./dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512.py']
train_dataloader = dict(dataset=dict(mask_folder='mask_selftrain'))
round_one = 'work_dirs/dd_deeplabv3_r50-d8_4xb2-20k_synvoc-512x512'
load_from = f'{round_one}/iter_20000.pth'
