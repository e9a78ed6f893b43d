# The VOC headline setting (dd_voc.py) with FLUX.1-dev generating the 40k
# images at 1024x1024 (28 steps, distilled guidance 3.5, no CFG batch),
# labelled as the paper labels: class-prompt attention of the
# double-stream blocks 9-18 (mmdd's default, the second half; the class
# prompt travels one way beside the text, through the text stream's own
# weights), S^tau with the image->image attention of the last two of those
# blocks, thresholds and band. bf16. See docs/method.md.
_base_ = ['../_base_/recipes/synvoc_1024px.py']
train_dataloader = dict(
    dataset=dict(cache_dir='data/gen_voc_flux_dev',
                 model='black-forest-labs/FLUX.1-dev', torch_dtype='bf16',
                 generation=dict(num_inference_steps=28, guidance_scale=3.5)))
