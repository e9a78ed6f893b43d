# Train on Stable Diffusion images with attention labels (SynthDataset,
# generated on the first run into cache_dir), validate on real COCO 2017 val
# (81 classes).
# Same training data settings as synth_voc.py (which this inherits); only the
# classes, cache, prompts and the val set differ.
_base_ = ['./synth_voc.py']

# COCO's 80 thing classes after the background, as written into prompts.
synth_classes = ('background', 'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus',
    'train', 'truck', 'boat', 'traffic light', 'fire hydrant', 'stop sign',
    'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
    'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag',
    'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
    'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket',
    'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana',
    'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza',
    'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed', 'dining table',
    'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
    'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock',
    'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush')
synth_palette = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128],
    [128, 0, 128], [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0],
    [64, 128, 0], [192, 128, 0], [64, 0, 128], [192, 0, 128], [64, 128, 128],
    [192, 128, 128], [0, 64, 0], [128, 64, 0], [0, 192, 0], [128, 192, 0],
    [0, 64, 128], [128, 64, 128], [0, 192, 128], [128, 192, 128], [64, 64, 0],
    [192, 64, 0], [64, 192, 0], [192, 192, 0], [64, 64, 128], [192, 64, 128],
    [64, 192, 128], [192, 192, 128], [0, 0, 64], [128, 0, 64], [0, 128, 64],
    [128, 128, 64], [0, 0, 192], [128, 0, 192], [0, 128, 192], [128, 128, 192],
    [64, 0, 64], [192, 0, 64], [64, 128, 64], [192, 128, 64], [64, 0, 192],
    [192, 0, 192], [64, 128, 192], [192, 128, 192], [0, 64, 64], [128, 64, 64],
    [0, 192, 64], [128, 192, 64], [0, 64, 192], [128, 64, 192], [0, 192, 192],
    [128, 192, 192], [64, 64, 64], [192, 64, 64], [64, 192, 64], [192, 192, 64],
    [64, 64, 192], [192, 64, 192], [64, 192, 192], [192, 192, 192], [32, 0, 0],
    [160, 0, 0], [32, 128, 0], [160, 128, 0], [32, 0, 128], [160, 0, 128],
    [32, 128, 128], [160, 128, 128], [96, 0, 0], [224, 0, 0], [96, 128, 0],
    [224, 128, 0], [96, 0, 128], [224, 0, 128], [96, 128, 128], [224, 128, 128],
    [32, 64, 0]]
train_dataloader = dict(
    dataset=dict(
        cache_dir='data/gen_coco',
        prompts_file='data/prompts/coco_train.jsonl',
        metainfo=dict(classes=synth_classes, palette=synth_palette)))

# Real COCO 2017 val as 81-class semantic segmentation (background + 80
# things); label PNGs come from
# tools/dataset_converters/coco_instances_to_semantic.py
# (docs/dataset_prepare.md).
data_root = 'data/coco'
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CocoObjectDataset',
        data_root=data_root,
        data_prefix=dict(
            img_path='images/val2017',
            seg_map_path='annotations/semantic_val2017'),
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
