"""Sizes of the parts that the random pipelines share: CLIP text encoders and
VAEs (config keywords, no weights).

The real CLIP text encoders are four times as wide in their MLP as in their
states, and their projection is as wide as the states; ``clip_text`` writes
that proportion once. The tiny one (37-wide MLP) is the diffusers tests'.
"""


def clip_text(width: int, layers: int, heads: int, **extra) -> dict:
    """A CLIP text encoder of ``width`` with CLIP's proportions."""
    return dict(hidden_size=width, intermediate_size=4 * width,
                num_hidden_layers=layers, num_attention_heads=heads,
                projection_dim=width, **extra)


CLIP_TINY = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                 num_attention_heads=4, projection_dim=32)
CLIP_L = clip_text(768, 12, 12, hidden_act='quick_gelu')  # SD 1.x, SDXL, FLUX
CLIP_G = clip_text(1280, 32, 20, hidden_act='gelu')  # SDXL's and SD3's second

# The VAE of SD 1.x/2.x, SDXL, SD3 and FLUX (their latent channels differ).
REAL_VAE = dict(block_out_channels=(128, 256, 512, 512), layers_per_block=2)
SMALL_VAE = dict(block_out_channels=(32, 64, 64, 64), layers_per_block=1)
