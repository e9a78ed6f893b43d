# Dataset Diffusion, COCO, with the lighter DeepLabV3-R50: otherwise the
# paper's COCO recipe (dd_deeplabv3_r101-d8_4xb2-40k_syncoco-512x512.py).
_base_ = [
    '../_base_/models/dd_deeplabv3_r50-d8.py',
    '../_base_/datasets/synth_coco.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_40k.py'
]
model = dict(
    decode_head=dict(num_classes=81), auxiliary_head=dict(num_classes=81))
