# The paper's generation: 40k Stable Diffusion 2.1-base images (fp16, 100
# steps, guidance 7.5, seed 1111), labelled from the attention with tau 4,
# foreground threshold 0.6 and an uncertain band (255) below 0.5.
# datasets/synth_voc.py and synth_coco.py merge it into their train set:
#   dataset=dict(_base_.synth_dataset, type=..., cache_dir=..., ...)
# (_delete_ drops the keys of the real dataset it replaces).
synth_dataset = dict(
    _delete_=True, type='SynthDataset',
    model='stabilityai/stable-diffusion-2-1-base', num_samples=40000,
    seed=1111, batch_size=4, torch_dtype='fp16',
    generation=dict(num_inference_steps=100, guidance_scale=7.5, tau=4,
                    foreground_threshold=0.6, uncertain_threshold=0.5))
