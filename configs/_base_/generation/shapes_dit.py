# The diffusion-transformer shapes model ('mmdd::shapes-dit': SD3's layout,
# 16x16 image tokens on the SD-grid model's 32x32x4 latents, no T5) with the
# settings it was trained for: no T5 tokens (max_sequence_length=0), the
# image -> text and image -> image blocks read on the 16x16 token grid
# (latent / 2). The paper's labels: the class prompt as a side stream
# (label_source='class_prompt'), tau = 4, thresholds 0.6 / 0.5. Inherit it
# as shapes_t2i.py; label_source='concept' gives ConceptAttention.
_base_ = ['./shapes_t2i.py']
synth_dataset = dict(
    model='mmdd::shapes-dit',
    generation=dict(max_sequence_length=0, cross_attention_factor=2,
                    self_attention_factor=2, tau=4))
