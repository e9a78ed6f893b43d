# The paper's VOC recipe (dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py)
# with its 40k images generated while it trains, on 8 GPUs: ranks 6 and 7
# only generate, ranks 0 and 1 only train (2 x 4 images = the paper's batch
# of 8) in a process group of their own. Training starts once the first
# block exists instead of after the whole set (~5.5 H100-hours); the data
# is byte for byte what a generate-first run writes
# (docs/dataset_prepare.md, "Stream or generate first").
#   bash tools/dist_train.sh configs/dd/<this file> 8
# Interleaved instead (every GPU trains and, every 10 iterations, generates
# a block): --cfg-options train_dataloader.batch_size=1 \
#   'train_dataloader.dataset.stream.mode=interleaved' \
#   train_dataloader.dataset.stream.generate_ranks=0 \
#   train_dataloader.dataset.stream.interval=10
_base_ = ['./dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py']
train_dataloader = dict(
    batch_size=4, sampler=dict(type='StreamSampler', shuffle=True),
    dataset=dict(stream=dict(mode='split', generate_ranks=6)))
custom_hooks = [dict(type='SynthStreamHook', log_interval=50)]
