# Dataset Diffusion in the shapes world, less its generator: the segmenter
# of the real upper bound (shapes/deeplabv3_r18-d8_1xb8-0.6k_shapes-real-
# 64x64.py) with the uncertainty-aware loss, trained on 400 generated images
# and their attention labels (16 a denoising batch, the prompts of
# `python tools/shapes/make_dataset.py data/shapes --prompts 400`), tested
# on the real test split. A config names its generator with a generation
# preset beside this file, and its cache folder:
#   _base_ = ['../_base_/recipes/shapes_synth.py',
#             '../_base_/generation/<preset>.py']
#   train_dataloader = dict(dataset=dict(
#       _base_.synth_dataset, **_base_.train_dataloader.dataset,
#       cache_dir=...))
_base_ = [
    '../../shapes/deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py',
    '../models/uncertainty_loss.py'
]
train_dataloader = dict(
    dataset=dict(_delete_=True, prompts_file='data/shapes/prompts.jsonl',
                 num_samples=400, batch_size=16,
                 pipeline=_base_.train_pipeline))
model = _base_.uncertainty_heads
