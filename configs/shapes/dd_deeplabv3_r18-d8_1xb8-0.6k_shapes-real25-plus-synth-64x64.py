# Real plus synthetic in one run: the shapes segmenter recipe
# (deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py) trained on the first
# `num_real` real scenes of the train split together with the 400 generated
# images and attention labels of
# dd_deeplabv3_r18-d8_1xb8-0.6k_shapes-synth-64x64.py (same cache), half of
# every batch synthetic (SyntheticShareSampler). The uncertainty-aware loss
# ignores the synthetic labels' uncertain band (255); the real labels have
# none, so every real pixel counts. Tested on the real test split.
#   python tools/shapes/make_dataset.py data/shapes --prompts 400
#   python tools/train.py configs/shapes/<this file>
# Another number of real scenes, on the command line:
#   --cfg-options train_dataloader.dataset.datasets.0.indices=100
_base_ = [
    './deeplabv3_r18-d8_1xb8-0.6k_shapes-real-64x64.py',
    '../_base_/generation/shapes_t2i.py',
    '../_base_/models/uncertainty_loss.py'
]
num_real = 25  # labelled real scenes: the first num_real of the train split
real = dict(_base_.train_dataloader.dataset, indices=num_real,
            pipeline=_base_.train_pipeline)
synthetic = dict(_base_.synth_dataset, cache_dir='data/shapes/synth',
                 prompts_file='data/shapes/prompts.jsonl', num_samples=400,
                 batch_size=16, pipeline=_base_.train_pipeline)
synthetic.pop('_delete_')
train_dataloader = dict(
    sampler=dict(_delete_=True, type='SyntheticShareSampler',
                 synthetic_share=0.5),
    dataset=dict(_delete_=True, type='RealSynthDataset',
                 datasets=[real, synthetic]))
model = _base_.uncertainty_heads
