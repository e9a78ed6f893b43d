# The VOC headline setting (dd_voc.py) with SDXL base 1.0 generating the 40k
# images at its native 1024x1024. Labels are read on the same image-relative
# grid as with SD (self-attention 64x64, cross-attention 32x32); the
# segmenter still trains on 512x512 crops (images are rescaled to 512 on the
# short side, x0.5-2, as before). fp16; SDXL's VAE decodes in fp32.
_base_ = ['./dd_deeplabv3_r101-d8_4xb2-20k_synvoc-512x512.py']
train_dataloader = dict(
    dataset=dict(cache_dir='data/gen_voc_sdxl',
                 model='stabilityai/stable-diffusion-xl-base-1.0',
                 generation=dict(height=1024, width=1024)))
