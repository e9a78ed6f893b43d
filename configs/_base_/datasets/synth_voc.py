# Train on Stable Diffusion images with attention labels (SynthDataset,
# generated on the first run into cache_dir), validate on real VOC 2012 val.
_base_ = ['mmseg::_base_/datasets/pascal_voc12.py']

# Names as written into the prompts (words, not mmseg's 'diningtable').
synth_classes = ('background', 'aeroplane', 'bicycle', 'bird', 'boat',
                 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'dining table',
                 'dog', 'horse', 'motorbike', 'person', 'potted plant',
                 'sheep', 'sofa', 'train', 'tv monitor')
synth_palette = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
                 [0, 0, 128], [128, 0, 128], [0, 128, 128], [128, 128, 128],
                 [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
                 [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128],
                 [0, 64, 0], [128, 64, 0], [0, 192, 0], [128, 192, 0],
                 [0, 64, 128]]
crop_size = (512, 512)
synth_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='SynthDataset',
        cache_dir='data/gen_voc',
        prompts_file='data/prompts/voc_train.jsonl',
        model='stabilityai/stable-diffusion-2-1-base',
        num_samples=40000,
        seed=1111,
        batch_size=4,
        torch_dtype='fp16',
        generation=dict(
            num_inference_steps=100,
            guidance_scale=7.5,
            tau=4,
            foreground_threshold=0.6,
            uncertain_threshold=0.5),
        metainfo=dict(classes=synth_classes, palette=synth_palette),
        pipeline=synth_train_pipeline))
