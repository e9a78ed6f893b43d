# A smoke test of the whole Dataset Diffusion path in seconds (the tests
# use it): SynthDataset generates 16 images with attention labels from a
# *tiny random-weight* Stable Diffusion pipeline
# (mmdd.testing.save_random_pipeline), a DeepLabV3-R18 trains on them for
# 40 iterations with the uncertainty-aware loss and is evaluated on the toy
# val split. Random weights draw noise, not shapes: for a demo whose labels
# mean something see configs/shapes/ (`make demo`).
_base_ = [
    './deeplabv3_r18-d8_1xb4-0.08k_toyshapes-64x64.py',
    '../_base_/models/uncertainty_loss.py'
]
work_root = 'work_dirs/demo_dd'
iters = 40
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='SynthDataset', cache_dir=f'{work_root}/gen',
        prompts_file=f'{work_root}/prompts.jsonl',
        model=f'{work_root}/tiny-sd', num_samples=16,
        batch_size=4, torch_dtype='fp32', generation=dict(
            num_inference_steps=10, guidance_scale=7.5), metainfo=dict(
                classes=(
                    'background', 'square',
                    'disc'), palette=[[0, 0, 0], [220, 20, 60], [0, 0, 230]
                                      ]), pipeline=_base_.train_pipeline))
model = _base_.uncertainty_heads
param_scheduler = [dict(_base_.param_scheduler[0], end=iters)]
train_cfg = dict(max_iters=iters, val_interval=iters)
