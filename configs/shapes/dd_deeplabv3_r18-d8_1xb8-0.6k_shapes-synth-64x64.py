# Dataset Diffusion in miniature: the same segmenter as the upper bound
# (deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py), trained only on 400
# images and attention labels that mmdd generates from the shapes
# text-to-image model shipped inside mmdd (_base_/generation/shapes_t2i.py),
# then evaluated on the real test split (the recipe:
# _base_/recipes/shapes_synth.py).
#   python tools/shapes/make_dataset.py data/shapes --prompts 400
#   python tools/train.py configs/shapes/<this file>
_base_ = [
    '../_base_/recipes/shapes_synth.py', '../_base_/generation/shapes_t2i.py'
]
train_dataloader = dict(
    dataset=dict(_base_.synth_dataset, **_base_.train_dataloader.dataset,
                 cache_dir='data/shapes/synth'))
