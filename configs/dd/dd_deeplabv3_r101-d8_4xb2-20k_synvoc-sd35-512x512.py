# The VOC headline setting (dd_voc.py) with SD3.5-Medium generating the 40k
# images at 1024x1024 (28 steps, guidance 7.5 with a CFG batch whose
# conditional half is read), labelled as the paper labels: class-prompt
# attention of the joint blocks 12-23 (SD3 writes each class name twice,
# in its CLIP and its T5 part; both count), S^tau with the image->image
# attention of the last two of those blocks. fp16. See docs/method.md.
_base_ = ['../_base_/recipes/synvoc_1024px.py']
train_dataloader = dict(
    dataset=dict(cache_dir='data/gen_voc_sd35',
                 model='stabilityai/stable-diffusion-3.5-medium',
                 torch_dtype='fp16', generation=dict(num_inference_steps=28,
                                                     guidance_scale=7.5)))
