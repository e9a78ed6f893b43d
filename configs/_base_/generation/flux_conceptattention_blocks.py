# FLUX.1's blocks as ConceptAttention reads them (Helbling et al., ICML 2025;
# helblazer811/ConceptAttention's pipeline default layer_indices=range(15,
# 19)): the last four double-stream blocks, 15-18 of 0-18. mmdd's default
# (dit_blocks=None) is the second half, double-stream blocks 9-18. Inherit
# it beside a FLUX config and name it in the generation settings:
#   _base_ = [..., '<configs>/_base_/generation/'
#            'flux_conceptattention_blocks.py']
#   train_dataloader = dict(dataset=dict(generation=dict(
#       dit_blocks=_base_.flux_conceptattention_blocks)))
flux_conceptattention_blocks = [15, 16, 17, 18]
