# Synthetic pre-training, then real fine-tuning, VOC: the real VOC recipe
# (configs/baselines/deeplabv3_r50-d8_4xb2-20k_voc12-512x512.py: mmseg's
# loss, the paper's schedule) with R101, on real VOC 2012 train (all of it,
# or its first `num_real` images), starting from the weights of a finished
# dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py run (mmengine's
# load_from: weights only, a fresh optimizer and schedule):
#   bash tools/dist_train.sh \
#       configs/dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py 4
#   bash tools/dist_train.sh configs/dd/<this file> 4
# (trained through configs/dd_voc.py instead:
#   --cfg-options load_from=work_dirs/dd_voc/iter_20000.pth)
_base_ = ['../baselines/deeplabv3_r50-d8_4xb2-20k_voc12-512x512.py']
model = dict(
    pretrained=None,  # every weight comes from load_from
    backbone=dict(depth=101))
num_real = None  # None: all 1464 VOC train images; e.g. 183 (an eighth)
train_dataloader = dict(dataset=dict(indices=num_real))
pretrained = 'work_dirs/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512'
load_from = f'{pretrained}/iter_20000.pth'
