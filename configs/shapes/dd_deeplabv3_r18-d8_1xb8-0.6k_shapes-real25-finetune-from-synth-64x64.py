# Synthetic pre-training, then real fine-tuning: the shapes segmenter recipe
# (deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py, 600 iterations, its
# loss and schedule) on the first `num_real` real scenes of the train
# split, starting from the weights of a finished
# dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py run (mmengine's
# load_from: weights only, a fresh optimizer and schedule):
#   python tools/train.py \
#       configs/shapes/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py
#   python tools/train.py configs/shapes/<this file>
# Another number of real scenes or another checkpoint:
#   --cfg-options train_dataloader.dataset.indices=100 load_from=PATH.pth
_base_ = ['./deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py']
num_real = 25  # labelled real scenes: the first num_real of the train split
train_dataloader = dict(dataset=dict(indices=num_real))
pretrained = 'work_dirs/dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64'
load_from = f'{pretrained}/iter_600.pth'
