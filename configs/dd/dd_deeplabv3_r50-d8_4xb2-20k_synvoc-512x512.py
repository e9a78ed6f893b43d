# Dataset Diffusion, VOC, with the lighter DeepLabV3-R50: otherwise the
# paper's VOC recipe (dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py),
# batch 8 in total (4 GPUs x 2).
_base_ = [
    '../_base_/models/dd_deeplabv3_r50-d8.py',
    '../_base_/datasets/synth_voc.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_20k.py'
]
