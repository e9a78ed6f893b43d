"""What determines a shapes text-to-image model: its settings and presets."""
from dataclasses import dataclass
from typing import Optional

IMAGE_SIZE = 64
MAX_TOKENS = 32
ARCHITECTURES = ('unet', 'sd3')


@dataclass
class TrainSettings:
    """Everything that determines the trained weights (recorded with them)."""
    seed: int = 0
    num_scenes: int = 30000  # training scenes: render_scene(seed) for
    scene_seed_offset: int = 1_000_000  # offset .. offset + num_scenes - 1
    vae_steps: int = 1200
    vae_batch_size: int = 16
    vae_lr: float = 1e-3
    steps: int = 10000
    batch_size: int = 32
    lr: float = 1e-3
    warmup_steps: int = 200
    caption_dropout: float = 0.1  # classifier-free guidance training
    ema_decay: float = 0.999  # reached after warm-up: (1+n)/(10+n) before
    # 'unet': Stable Diffusion's UNet (epsilon prediction, SD 1.x's noise
    # schedule); 'sd3': SD3's joint-attention transformer (rectified flow).
    architecture: str = 'unet'
    unet_channels: tuple = (32, 64)
    unet_heads: tuple = (2, 2)  # attention heads at each UNet level
    # Which blocks at the latent size have transformers (a 32x32 one costs
    # much CPU time; see the shipped models' README).
    fine_down_attention: bool = True
    fine_up_attention: bool = True
    # False: the coarse level's transformers attend to the text only (their
    # first attention too, diffusers' only_cross_attention) and there is no
    # mid block, so only the fine level can group pixels by object.
    coarse_self_attention: bool = True
    # The transformer ('sd3'): joint blocks, heads of 32 channels each.
    dit_layers: int = 6
    dit_heads: int = 2
    vae_channels: tuple = (16, 32, 32)  # downsampling factor 2**(len - 1)
    text_width: int = 64
    text_layers: int = 0  # a bag of token embeddings, see the README
    # Continue from this trained model folder (same architecture; its vae
    # is kept): a longer run in parts, each with its own warm-up and decay.
    init_from: Optional[str] = None

    @property
    def latent_size(self) -> int:
        return IMAGE_SIZE // 2**(len(self.vae_channels) - 1)

    def __post_init__(self) -> None:
        for name in ('num_scenes', 'vae_batch_size', 'steps', 'batch_size',
                     'text_width', 'dit_layers', 'dit_heads'):
            if getattr(self, name) < 1:
                raise ValueError(f'{name} must be >= 1, got '
                                 f'{getattr(self, name)}')
        if self.vae_steps < 0 or self.warmup_steps < 0:
            raise ValueError('vae_steps and warmup_steps must be >= 0, got '
                             f'{self.vae_steps}, {self.warmup_steps}')
        if not 0 <= self.caption_dropout < 1:
            raise ValueError('caption_dropout must be in [0, 1), got '
                             f'{self.caption_dropout}')
        for name in ('unet_channels', 'unet_heads'):
            if len(getattr(self, name)) != 2:
                raise ValueError(f'{name}: two values (the fine and the '
                                 f'coarse UNet level), got '
                                 f'{getattr(self, name)}')
        if not 2 <= len(self.vae_channels) <= 4:
            raise ValueError('vae_channels: 2 to 4 widths (a downsampling '
                             f'factor of 2 to 8), got {self.vae_channels}')
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f'architecture must be one of {ARCHITECTURES}, '
                             f'got {self.architecture!r}')
        if self.architecture == 'sd3' and self.text_layers < 1:
            raise ValueError(
                'architecture=\'sd3\' reads the text encoder\'s penultimate '
                'states, so it needs text_layers >= 1 (1: the token '
                f'embeddings are what the transformer sees), got '
                f'{self.text_layers}')


# SD 2.1 at 512 px reads self-attention at 32x32 and cross-attention at
# 16x16; this model has the same grids (64x64 images, VAE factor 2). One
# 32x32 transformer (in the down block) and the shorter schedule at batch
# 16 keep training near 45 CPU minutes. The coarse level attends to the
# text only: with self-attention there, the model grouped pixels at 16x16
# and left its 32x32 self-attention uniform (see the models' README).
SD_PROPORTIONED = dict(
    vae_channels=(16, 32), unet_heads=(1, 2), fine_up_attention=False,
    coarse_self_attention=False, num_scenes=20000, steps=3000, batch_size=16)

# SD3's layout on the SD-grid model's autoencoder (32x32x4 latents, 2x2
# patches: 16x16 image tokens), two one-layer CLIP encoders whose token
# embeddings the transformer reads (as SD3 reads the penultimate states)
# and no T5 (SD3 allows none: zero tokens, here none at all).
DIT = dict(architecture='sd3', vae_channels=(16, 32), text_layers=1,
           num_scenes=20000, steps=2500, batch_size=16)

PRESETS = {'default': {}, 'sd-proportioned': SD_PROPORTIONED, 'dit': DIT}
