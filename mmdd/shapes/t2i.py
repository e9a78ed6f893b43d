"""A tiny text-to-image latent diffusion model for the shapes world.

Stable Diffusion's layout at miniature size: a CLIP tokenizer (the real BPE,
trimmed to the world's words), a ``CLIPTextModel``, a
``UNet2DConditionModel`` with attention at two resolutions, an
``AutoencoderKL`` and SD's noise schedule. Two shapes are shipped: 64x64
pixels <-> 16x16x4 latents with attention at 16x16 and 8x8 (the defaults),
and SD's proportions, 64x64 pixels <-> 32x32x4 latents with attention at
32x32 and 16x16 (:data:`SD_PROPORTIONED`; self-attention at 32x32 only).
Saved with ``save_pretrained``, each loads through
``StableDiffusionPipeline.from_pretrained`` exactly like an SD checkpoint.

Training (:func:`train`) runs in two stages: the autoencoder on rendered
scenes, then the UNet and text encoder on their latents (epsilon
prediction, classifier-free guidance dropout, an EMA of the weights).
"""
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import (AutoencoderKL, DDIMScheduler, DDPMScheduler,
                       StableDiffusionPipeline, UNet2DConditionModel)
from diffusers.utils import logging as diffusers_logging
from transformers import CLIPTextConfig, CLIPTextModel

from mmdd.diffusion.assemble import sd_pipeline
from mmdd.diffusion.clip_tokenizer import clip_tokenizer
from mmdd.utils.atomic import atomic_write_dir
from .world import render_scene, vocabulary

IMAGE_SIZE = 64
MAX_TOKENS = 32
# SD 1.x's noise schedule, so the pipeline samples as with a real checkpoint.
SCHEDULE = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                beta_schedule='scaled_linear')


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
                     'text_width'):
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


# SD 2.1 at 512 px reads self-attention at 32x32 and cross-attention at
# 16x16; this model has the same grids (64x64 images, VAE factor 2). One
# 32x32 transformer (in the down block) and the shorter schedule at batch
# 16 keep training near 45 CPU minutes. The coarse level attends to the
# text only: with self-attention there, the model grouped pixels at 16x16
# and left its 32x32 self-attention uniform (see the models' README).
SD_PROPORTIONED = dict(
    vae_channels=(16, 32), unet_heads=(1, 2), fine_up_attention=False,
    coarse_self_attention=False, num_scenes=20000, steps=3000, batch_size=16)


def build_pipeline(
        settings: TrainSettings,
        vae: Optional[AutoencoderKL] = None) -> StableDiffusionPipeline:
    """Untrained model of the given widths (``vae``: reuse a trained one)."""
    tokenizer = clip_tokenizer(words=vocabulary(), model_max_length=MAX_TOKENS)
    width = settings.text_width
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer), max_position_embeddings=MAX_TOKENS,
            hidden_size=width, intermediate_size=2 * width,
            num_hidden_layers=settings.text_layers, num_attention_heads=4,
            projection_dim=width, bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id))
    fine_down = ('CrossAttnDownBlock2D'
                 if settings.fine_down_attention else 'DownBlock2D')
    fine_up = ('CrossAttnUpBlock2D'
               if settings.fine_up_attention else 'UpBlock2D')
    unet = UNet2DConditionModel(
        sample_size=settings.latent_size,
        in_channels=4,
        out_channels=4,
        block_out_channels=tuple(settings.unet_channels),
        layers_per_block=1,
        down_block_types=(fine_down, 'CrossAttnDownBlock2D'),
        up_block_types=('CrossAttnUpBlock2D', fine_up),
        cross_attention_dim=width,
        **({} if settings.coarse_self_attention else dict(
            only_cross_attention=(False, True), mid_block_type=None)),
        # diffusers' legacy name: these are head counts, not head widths
        # (one number when equal, as the first shipped model was saved)
        attention_head_dim=(settings.unet_heads[0] if len(
            set(settings.unet_heads)) == 1 else tuple(settings.unet_heads)),
        norm_num_groups=16)
    if vae is None:
        levels = len(settings.vae_channels)
        vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4,
                            block_out_channels=tuple(settings.vae_channels),
                            layers_per_block=1,
                            down_block_types=('DownEncoderBlock2D', ) * levels,
                            up_block_types=('UpDecoderBlock2D', ) * levels,
                            sample_size=IMAGE_SIZE, norm_num_groups=16,
                            mid_block_add_attention=False)
    scheduler = DDIMScheduler(clip_sample=False, set_alpha_to_one=False,
                              steps_offset=1, **SCHEDULE)
    return sd_pipeline(vae, text_encoder, tokenizer, unet, scheduler)


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (B, H, W, 3) -> float (B, 3, H, W) in [-1, 1]."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1


def _render(seeds) -> tuple:
    scenes = [render_scene(int(s), IMAGE_SIZE) for s in seeds]
    return np.stack([s.image for s in scenes]), [s.caption for s in scenes]


def _lr_factor(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi *
                               (step - warmup) / max(1, total - warmup)))


def train_autoencoder(vae: AutoencoderKL, settings: TrainSettings,
                      log: Callable[[dict], None]) -> None:
    """Reconstruction (L1 + MSE) with a small KL term, then set the
    latent scaling factor so that scaled latents have unit variance."""
    rng = np.random.default_rng(settings.seed)
    optimizer = torch.optim.Adam(vae.parameters(), lr=settings.vae_lr)
    offset, count = settings.scene_seed_offset, settings.num_scenes
    vae.train()
    for step in range(settings.vae_steps):
        for group in optimizer.param_groups:
            group['lr'] = settings.vae_lr * _lr_factor(step, 100,
                                                       settings.vae_steps)
        seeds = offset + rng.integers(0, count, settings.vae_batch_size)
        images = _to_tensor(_render(seeds)[0])
        posterior = vae.encode(images).latent_dist
        recon = vae.decode(posterior.sample()).sample
        rec = F.l1_loss(recon, images) + F.mse_loss(recon, images)
        kl = posterior.kl().mean() / images[0].numel()
        loss = rec + 1e-4 * kl
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 50 == 0 or step == settings.vae_steps - 1:
            log(dict(stage='vae', step=step, loss=round(rec.item(), 5)))
    vae.eval()
    with torch.no_grad():
        images = _to_tensor(_render(offset + np.arange(256))[0])
        std = float(vae.encode(images).latent_dist.mean.std())
    vae.register_to_config(scaling_factor=1.0 / std)


@torch.no_grad()
def encode_scenes(pipeline: StableDiffusionPipeline, settings: TrainSettings,
                  batch: int = 256) -> Dict:
    """Latent means/stds and token ids of every training scene."""
    means, stds, ids = [], [], []
    seeds = settings.scene_seed_offset + np.arange(settings.num_scenes)
    for start in range(0, len(seeds), batch):
        images, captions = _render(seeds[start:start + batch])
        dist = pipeline.vae.encode(_to_tensor(images)).latent_dist
        means.append(dist.mean.half())
        stds.append(dist.std.half())
        ids.append(_tokens(pipeline, captions))
    return dict(mean=torch.cat(means), std=torch.cat(stds), ids=torch.cat(ids))


def _tokens(pipeline: StableDiffusionPipeline, captions) -> torch.Tensor:
    return pipeline.tokenizer(
        list(captions), padding='max_length', truncation=True,
        max_length=pipeline.tokenizer.model_max_length,
        return_tensors='pt').input_ids


class _EMA:

    def __init__(self, modules: List[torch.nn.Module], decay: float):
        self.params = [p for m in modules for p in m.parameters()]
        self.shadow = [p.detach().clone() for p in self.params]
        self.decay = decay
        self.updates = 0

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for shadow, param in zip(self.shadow, self.params):
            shadow.lerp_(param.detach(), 1 - decay)

    @torch.no_grad()
    def swap(self) -> None:
        """Exchange live and averaged weights (call twice to undo)."""
        for shadow, param in zip(self.shadow, self.params):
            tmp = param.detach().clone()
            param.copy_(shadow)
            shadow.copy_(tmp)


def save_model(pipeline: StableDiffusionPipeline, folder: Union[str, Path],
               fp16: bool = True,
               settings: Optional[TrainSettings] = None) -> Path:
    """``save_pretrained`` (plus ``train_settings.json`` when ``settings``
    are given) with :func:`~mmdd.utils.atomic.atomic_write_dir`: a reader
    sees the previous model or the new one, never half of one."""

    def write(tmp: Path) -> None:
        pipeline.save_pretrained(tmp, safe_serialization=True)
        if settings is not None:
            (tmp / 'train_settings.json').write_text(
                json.dumps(asdict(settings), indent=2))

    verbosity = diffusers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()  # no notes on the fp16 cast
    try:
        if fp16:
            pipeline.to(torch.float16)
        return atomic_write_dir(folder, write)
    finally:
        if fp16:
            pipeline.to(torch.float32)
        diffusers_logging.set_verbosity(verbosity)


def train(settings: TrainSettings, out_dir: Union[str, Path],
          save_every: int = 1000, log_fn: Callable[[str], None] = print,
          vae_from: Optional[Union[str, Path]] = None) -> Path:
    """Train the shapes model into ``out_dir`` (a diffusers folder).

    ``train_settings.json`` goes inside, ``<out_dir>.train_log.jsonl``
    (losses, seconds) beside it. The folder is replaced atomically every
    ``save_every`` steps. ``vae_from``: a model folder whose trained
    ``vae`` is reused (skips the first stage).
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(settings.seed)
    log_path = out_dir.parent / f'{out_dir.name}.train_log.jsonl'
    with open(log_path, 'w') as log_file:
        _train(settings, out_dir, save_every, vae_from,
               _logger(log_file, log_fn))
    return out_dir


def _logger(log_file, log_fn: Callable[[str], None]) -> Callable[[dict], None]:
    start = time.time()

    def log(record: dict) -> None:
        record['time_s'] = round(time.time() - start, 1)
        log_file.write(json.dumps(record) + '\n')
        log_file.flush()
        log_fn(json.dumps(record))

    return log


def _continue_from(pipeline: StableDiffusionPipeline, folder: Path) -> None:
    """Load a trained model's UNet and text encoder into ``pipeline``,
    refusing one of another architecture."""
    unet = UNet2DConditionModel.from_pretrained(folder / 'unet',
                                                torch_dtype=torch.float32)
    text_encoder = CLIPTextModel.from_pretrained(folder / 'text_encoder',
                                                 dtype=torch.float32)
    mismatched = sorted(key for key, value in pipeline.unet.config.items()
                        if not key.startswith('_')
                        and _plain(unet.config.get(key)) != _plain(value))
    try:
        pipeline.text_encoder.load_state_dict(text_encoder.state_dict())
    except RuntimeError:
        mismatched.append('text_encoder')
    if mismatched:
        raise ValueError(
            f'init_from={str(folder)!r} was trained with another '
            f'architecture (differs in: {", ".join(mismatched)}); pass the '
            f'settings of its train_settings.json (e.g. its --preset)')
    pipeline.unet.load_state_dict(unet.state_dict())


def _trained_vae(folder: Path) -> AutoencoderKL:
    """``folder``'s trained autoencoder, without the ``_name_or_path`` that
    ``from_pretrained`` adds to its config (the saved model would otherwise
    record a local path). The rebuild leaves the random stream as it was,
    so the UNet built next starts as it would have."""
    trained = AutoencoderKL.from_pretrained(folder / 'vae',
                                            dtype=torch.float32)
    config = {k: v for k, v in trained.config.items() if k != '_name_or_path'}
    with torch.random.fork_rng(devices=[]):
        vae = AutoencoderKL.from_config(config)
    vae.load_state_dict(trained.state_dict())
    return vae.eval()


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _train(settings: TrainSettings, out_dir: Path, save_every: int,
           vae_from: Optional[Union[str, Path]], log: Callable[[dict],
                                                               None]) -> None:
    if settings.init_from and vae_from:
        raise ValueError('init_from keeps its own vae; drop vae_from')
    vae_from = settings.init_from or vae_from
    vae = _trained_vae(Path(vae_from)) if vae_from else None
    pipeline = build_pipeline(settings, vae)
    if settings.init_from:
        _continue_from(pipeline, Path(settings.init_from))
    if vae_from is None:
        train_autoencoder(pipeline.vae, settings, log)
    pipeline.vae.requires_grad_(False).eval()
    data = encode_scenes(pipeline, settings)
    log(dict(stage='encode', scenes=settings.num_scenes))
    unet, text_encoder = pipeline.unet, pipeline.text_encoder
    unet.train()
    text_encoder.train()
    params = list(unet.parameters()) + list(text_encoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=1e-2)
    ema = _EMA([unet, text_encoder], settings.ema_decay)
    noise_schedule = DDPMScheduler(**SCHEDULE)
    empty = _tokens(pipeline, [''])[0]
    scale = pipeline.vae.config.scaling_factor
    rng = torch.Generator().manual_seed(settings.seed)
    running = None

    def checkpoint() -> None:
        ema.swap()
        unet.eval()
        text_encoder.eval()
        save_model(pipeline, out_dir, settings=settings)
        ema.swap()
        unet.train()
        text_encoder.train()

    for step in range(settings.steps):
        for group in optimizer.param_groups:
            group['lr'] = settings.lr * _lr_factor(step, settings.warmup_steps,
                                                   settings.steps)
        index = torch.randint(0, settings.num_scenes, (settings.batch_size, ),
                              generator=rng)
        latents = (
            data['mean'][index].float() + data['std'][index].float() *
            torch.randn(data['mean'][index].shape, generator=rng))
        latents = latents * scale
        ids = data['ids'][index].clone()
        drop = torch.rand(len(ids), generator=rng) < settings.caption_dropout
        ids[drop] = empty
        noise = torch.randn(latents.shape, generator=rng)
        timesteps = torch.randint(0, SCHEDULE['num_train_timesteps'],
                                  (len(ids), ), generator=rng)
        noisy = noise_schedule.add_noise(latents, noise, timesteps)
        states = text_encoder(ids)[0]
        prediction = unet(noisy, timesteps, states).sample
        loss = F.mse_loss(prediction, noise)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        ema.update()
        value = loss.item()
        running = value if running is None else 0.98 * running + 0.02 * value
        if step % 50 == 0 or step == settings.steps - 1:
            log(dict(stage='unet', step=step, loss=round(running, 5)))
        if (step + 1) % save_every == 0 or step == settings.steps - 1:
            checkpoint()
