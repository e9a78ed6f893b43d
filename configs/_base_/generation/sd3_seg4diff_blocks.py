# SD3's single "semantic grounding expert" block as Seg4Diff reads it (Kim
# et al., NeurIPS 2025; cvlab-kaist/Seg4Diff, configs/eval_ovss.yaml:
# SD3-medium, ATTENTION_LAYERS: [9]): joint block 9 of 0-23. Seg4Diff sweeps
# the block for SD3.5 rather than fixing one, so on SD3.5 it is a starting
# point, not their finding. mmdd's default (dit_blocks=None) is the second
# half, joint blocks 12-23. Inherit it beside an SD3 config:
#   _base_ = [..., '<configs>/_base_/generation/sd3_seg4diff_blocks.py']
#   train_dataloader = dict(dataset=dict(generation=dict(
#       dit_blocks=_base_.sd3_seg4diff_blocks)))
sd3_seg4diff_blocks = [9]
