"""Training a shapes model: the autoencoder on rendered scenes, then the
denoiser and text encoder(s) on their latents (classifier-free guidance
dropout, an EMA of the weights), saved every ``save_every`` steps."""
import json
import math
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL

from .t2i_models import architecture, build_pipeline, trained_components
from .t2i_save import continue_from, save_model, trained_autoencoder
from .t2i_settings import IMAGE_SIZE, TrainSettings
from .world import render_scene


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
    device = vae.device
    vae.train()
    for step in range(settings.vae_steps):
        for group in optimizer.param_groups:
            group['lr'] = settings.vae_lr * _lr_factor(step, 100,
                                                       settings.vae_steps)
        seeds = offset + rng.integers(0, count, settings.vae_batch_size)
        images = _to_tensor(_render(seeds)[0]).to(device)
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
        images = _to_tensor(_render(offset + np.arange(256))[0]).to(device)
        std = float(vae.encode(images).latent_dist.mean.std())
    vae.register_to_config(scaling_factor=1.0 / std)


@torch.no_grad()
def encode_scenes(pipeline, settings: TrainSettings, batch: int = 256) -> Dict:
    """Latent means/stds and token ids of every training scene (on the
    CPU, whatever the autoencoder's device)."""
    means, stds, ids = [], [], []
    seeds = settings.scene_seed_offset + np.arange(settings.num_scenes)
    for start in range(0, len(seeds), batch):
        images, captions = _render(seeds[start:start + batch])
        dist = pipeline.vae.encode(_to_tensor(images).to(
            pipeline.vae.device)).latent_dist
        means.append(dist.mean.half().cpu())
        stds.append(dist.std.half().cpu())
        ids.append(_tokens(pipeline, captions))
    return dict(mean=torch.cat(means), std=torch.cat(stds), ids=torch.cat(ids))


def _tokens(pipeline, captions) -> torch.Tensor:
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


def train(settings: TrainSettings, out_dir: Union[str, Path],
          save_every: int = 1000, log_fn: Callable[[str], None] = print,
          vae_from: Optional[Union[str, Path]] = None,
          device: Union[str, torch.device] = 'cpu') -> Path:
    """Train the shapes model into ``out_dir`` (a diffusers folder).

    ``train_settings.json`` goes inside, ``<out_dir>.train_log.jsonl``
    (losses, seconds) beside it. The folder is replaced atomically every
    ``save_every`` steps. ``vae_from``: a model folder whose trained
    ``vae`` is reused (skips the first stage). Random numbers are drawn
    on the CPU, so a GPU run follows the same data as a CPU one (its
    floats round differently).
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(settings.seed)
    log_path = out_dir.parent / f'{out_dir.name}.train_log.jsonl'
    with open(log_path, 'w') as log_file:
        _train(settings, out_dir, save_every, vae_from,
               _logger(log_file, log_fn), torch.device(device))
    return out_dir


def _logger(log_file, log_fn: Callable[[str], None]) -> Callable[[dict], None]:
    start = time.time()

    def log(record: dict) -> None:
        record['time_s'] = round(time.time() - start, 1)
        log_file.write(json.dumps(record) + '\n')
        log_file.flush()
        log_fn(json.dumps(record))

    return log


def _train(settings: TrainSettings, out_dir: Path, save_every: int,
           vae_from: Optional[Union[str, Path]], log: Callable[[dict], None],
           device: torch.device) -> None:
    if settings.init_from and vae_from:
        raise ValueError('init_from keeps its own vae; drop vae_from')
    vae_from = settings.init_from or vae_from
    vae = trained_autoencoder(Path(vae_from)) if vae_from else None
    pipeline = build_pipeline(settings, vae)
    if settings.init_from:
        continue_from(pipeline, settings, Path(settings.init_from))
    pipeline.to(device)
    if vae_from is None:
        train_autoencoder(pipeline.vae, settings, log)
    pipeline.vae.requires_grad_(False).eval()
    data = encode_scenes(pipeline, settings)
    log(dict(stage='encode', scenes=settings.num_scenes))
    modules = list(trained_components(settings, pipeline).values())
    for module in modules:
        module.train()
    params = [p for module in modules for p in module.parameters()]
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=1e-2)
    ema = _EMA(modules, settings.ema_decay)
    objective = architecture(settings).Objective(pipeline)
    stage = architecture(settings).TRAINED[0]
    empty = _tokens(pipeline, [''])[0]
    scale = pipeline.vae.config.scaling_factor
    rng = torch.Generator().manual_seed(settings.seed)
    running = None

    def checkpoint() -> None:
        ema.swap()
        for module in modules:
            module.eval()
        save_model(pipeline, out_dir, settings=settings)
        ema.swap()
        for module in modules:
            module.train()

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
        loss = objective.loss(latents, ids, rng)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        ema.update()
        value = loss.item()
        running = value if running is None else 0.98 * running + 0.02 * value
        if step % 50 == 0 or step == settings.steps - 1:
            log(dict(stage=stage, step=step, loss=round(running, 5)))
        if (step + 1) % save_every == 0 or step == settings.steps - 1:
            checkpoint()
