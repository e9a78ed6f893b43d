# The VOC headline setting (dd_voc.py) with SDXL base 1.0 generating the 40k
# images at its native 1024x1024 (_base_/recipes/synvoc_1024px.py). Labels
# are read on the same image-relative grid as with SD (self-attention
# 64x64, cross-attention 32x32). fp16; SDXL's VAE decodes in fp32.
_base_ = ['../_base_/recipes/synvoc_1024px.py']
train_dataloader = dict(
    dataset=dict(cache_dir='data/gen_voc_sdxl',
                 model='stabilityai/stable-diffusion-xl-base-1.0'))
