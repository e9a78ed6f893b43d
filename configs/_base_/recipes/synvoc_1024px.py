# The VOC headline (dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py, as
# configs/dd_voc.py) with its 40k images generated at 1024x1024, the native
# size of SDXL, SD3.5 and FLUX.1; the segmenter still trains on 512x512
# crops (images rescaled to 512 on the short side, x0.5-2, as before). A
# config names the generator and its cache folder:
#   _base_ = ['../_base_/recipes/synvoc_1024px.py']
#   train_dataloader = dict(dataset=dict(cache_dir=..., model=...,
#                                        generation=dict(...)))
_base_ = ['../../dd/dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py']
train_dataloader = dict(dataset=dict(generation=dict(height=1024, width=1024)))
