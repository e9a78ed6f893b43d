# The VOC headline setting (dd_voc.py) with FLUX.1-schnell generating the
# 40k images at 1024x1024 in 4 steps (guidance-distilled: no CFG batch,
# guidance 0), labelled by concept attention (ConceptAttention: each
# sample's class names and 'background' as one-way concept tokens through
# the double-stream blocks 9-18 (mmdd's default, the second half; the
# authors' code reads 15-18: _base_/generation/flux_conceptattention_blocks
# .py), scores in attention-output space), so the image follows the caption
# alone. S^tau reads the image->image attention of the last two of those
# blocks on the 64x64 token grid; thresholds and band as the paper's.
# bf16, T5 at 256 tokens (schnell's usual length). See docs/method.md.
_base_ = ['../_base_/recipes/synvoc_1024px.py']
train_dataloader = dict(
    dataset=dict(
        cache_dir='data/gen_voc_flux_schnell',
        model='black-forest-labs/FLUX.1-schnell', torch_dtype='bf16',
        generation=dict(num_inference_steps=4, guidance_scale=0.0,
                        max_sequence_length=256, label_source='concept',
                        append_class_prompt=False)))
