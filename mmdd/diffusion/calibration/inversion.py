"""A real image through the denoiser while mmdd records: the inversion of
ConceptAttention and Seg4Diff, one denoiser pass per timestep read.

The image is encoded by the pipeline's VAE, noised by the pipeline's own
scheduler to each chosen timestep and handed to the denoiser with its
caption (or its class names), inside the recording of the generator's
reader. There is no sampling loop: the unmodified pipeline runs its
schedule so that texts, guidance batches, timestep embeddings and the
recorders' step callbacks are exactly the pipeline's, but at every step
the denoiser's input is replaced by the noised real image, and the
steps that are not read skip the denoiser altogether (their noise
prediction is zero; the pipeline's own latents are never used).

After each read step the store's per-layer sums are taken, so one pass
keeps every recorded layer (UNet layer, DiT block) of every timestep:
choosing among them later costs no further denoiser pass.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np
import torch
from PIL import Image

from ..generator import LabelledImageGenerator
from ..recording import AttentionLayer, ReadRequest, RecordedColumns


@dataclass
class InvertedImage:
    """One real image's recording: its maps per timestep and layer."""
    image: np.ndarray  # H x W x 3 uint8 at the generator's size
    class_ids: List[int]  # the classes its mask holds, as recorded
    columns: RecordedColumns  # each source's token columns
    layers: Dict[str, AttentionLayer]  # every recorded layer, by name
    steps: List[Dict[str, torch.Tensor]]  # per timestep: name -> map


def read_steps(schedule_steps: int, steps: int) -> List[int]:
    """Which steps of a ``schedule_steps`` schedule are read: ``steps``
    evenly spaced, the first (pure noise) left out, noisiest first."""
    if steps < 1 or schedule_steps <= steps:
        raise ValueError(f'read {steps} of {schedule_steps} schedule steps: '
                         'steps must be >= 1 and fewer than the schedule')
    return sorted({
        min(schedule_steps - 1, round(schedule_steps * (k + 1) / (steps + 1)))
        for k in range(steps)
    })


def pack(latents: torch.Tensor, packing: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, H/p * W/p, C p p) tokens, as FLUX packs its
    latents (``FluxPipeline._pack_latents``); ``packing`` 1: unchanged."""
    if packing == 1:
        return latents
    b, c, h, w = latents.shape
    latents = latents.view(b, c, h // packing, packing, w // packing, packing)
    return latents.permute(0, 2, 4, 1, 3,
                           5).reshape(b, (h // packing) * (w // packing),
                                      c * packing * packing)


def encode_image(generator: LabelledImageGenerator,
                 image: np.ndarray) -> torch.Tensor:
    """The image's latents as the denoiser sees them (VAE mean, shifted
    and scaled by the VAE's config, packed as the architecture's
    processor packs tokens)."""
    pipeline = generator.pipeline
    vae = pipeline.vae
    pixels = pipeline.image_processor.preprocess(Image.fromarray(image))
    dtype = vae.dtype
    upcast = dtype == torch.float16 and getattr(vae.config, 'force_upcast',
                                                False)
    if upcast:  # SDXL's fp16 VAE overflows, as the pipeline knows
        vae.to(torch.float32)
    try:
        latents = vae.encode(pixels.to(vae.device, vae.dtype)).latent_dist.mean
    finally:
        if upcast:
            vae.to(dtype)
    shift = getattr(vae.config, 'shift_factor', None) or 0.0
    latents = (latents - shift) * vae.config.scaling_factor
    packing = getattr(generator.architecture.processor, 'latent_packing', 1)
    return pack(latents.to(dtype), packing)


def noised(scheduler, latents: torch.Tensor, noise: torch.Tensor,
           timestep: torch.Tensor) -> torch.Tensor:
    """``latents`` noised to ``timestep`` by the scheduler's own rule:
    flow matching's ``scale_noise`` or the DDPM family's ``add_noise``."""
    timestep = timestep.reshape(1).to(latents.device)
    if hasattr(scheduler, 'scale_noise'):
        return scheduler.scale_noise(latents, timestep, noise)
    return scheduler.add_noise(latents, noise, timestep)


def denoiser_of(pipeline) -> torch.nn.Module:
    """The pipeline's denoiser: its UNet or its transformer."""
    for name in ('unet', 'transformer'):
        module = getattr(pipeline, name, None)
        if module is not None:
            return module
    raise ValueError(f'{type(pipeline).__name__} has no unet or transformer')


class _Steps:
    """The step the pipeline is in (its step callback moves it on)."""

    def __init__(self, inner=None):
        self.index, self.read_in, self.inner = 0, -1, inner

    def end(self, pipeline, step, timestep, callback_kwargs) -> dict:
        out = self.inner(pipeline, step, timestep,
                         callback_kwargs) if self.inner else {}
        self.index = step + 1
        return out or {}


@contextmanager
def real_image_inputs(pipeline, latents: torch.Tensor, noise: torch.Tensor,
                      read: Sequence[int], steps: _Steps, store,
                      taken: List[Dict[str, torch.Tensor]]) -> Iterator[None]:
    """Replace the denoiser's forward while entered: on the first call of
    a read step, the noised real image goes in and the store's sums come
    out into ``taken``; every other call returns a zero prediction."""
    denoiser = denoiser_of(pipeline)
    original = denoiser.forward
    own = denoiser.__dict__.get('forward')  # a wrapper of someone else's
    read = set(read)

    def forward(*args, **kwargs):
        sample = args[0] if args else kwargs.get('sample',
                                                 kwargs.get('hidden_states'))
        if kwargs.get('return_dict', True):
            raise RuntimeError('the pipeline called its denoiser with '
                               'return_dict=True; calibration expects the '
                               'diffusers pipelines, which never do')
        if steps.index not in read or steps.read_in == steps.index:
            return (torch.zeros_like(sample), )
        steps.read_in = steps.index
        scheduler = pipeline.scheduler
        timestep = scheduler.timesteps[steps.index]
        x_t = noised(scheduler, latents, noise, timestep)
        if hasattr(scheduler, 'scale_model_input'):
            x_t = scheduler.scale_model_input(x_t, timestep)
        x_t = x_t.to(sample.dtype).repeat(sample.shape[0] // x_t.shape[0],
                                          *[1] * (x_t.dim() - 1))
        if args:
            args = (x_t, *args[1:])
        else:
            kwargs['sample' if 'sample' in kwargs else 'hidden_states'] = x_t
        output = original(*args, **kwargs)
        taken.append({
            name: tensor.detach().cpu()
            for name, tensor in store.pop_sums().items()
        })
        return output

    denoiser.forward = forward
    try:
        yield
    finally:
        if own is None:
            del denoiser.forward  # the class's own again
        else:
            denoiser.forward = own


def invert(generator: LabelledImageGenerator, images: Sequence[np.ndarray],
           class_ids: Sequence[Sequence[int]],
           captions: Sequence[Optional[str]], seeds: Sequence[int],
           read: Sequence[int]) -> List[InvertedImage]:
    """Record a batch of ``images`` (H x W x 3 uint8 at the generator's
    size) at the schedule steps ``read``: one denoiser pass per read step
    for the whole batch. ``class_ids[i]``: image i's classes;
    ``captions[i]`` None: its class names; ``seeds[i]``: of its noise.

    ``generator``'s config must keep per-layer sums
    (``layer_weighting='sharpness'``) and have ``read`` within its
    ``num_inference_steps``.
    """
    config = generator.config
    if config.layer_weighting != 'sharpness':
        raise ValueError('the inversion generator must keep per-layer sums '
                         "(layer_weighting='sharpness')")
    names = [[generator.class_names[i] for i in dict.fromkeys(ids)]
             for ids in class_ids]
    texts = [
        generator.text.sample_prompts(
            ' '.join(n) if caption is None else caption, n,
            config.append_class_prompt) for n, caption in zip(names, captions)
    ]
    with torch.no_grad():
        text, negative, classes = generator._encode(texts, True)
        recording = generator.reader.record(
            ReadRequest(texts, names, classes, text.states, True, True))
        latents = torch.cat([encode_image(generator, im) for im in images])
    noise = torch.cat([
        torch.randn(latents.shape[1:], dtype=torch.float32,
                    generator=torch.Generator('cpu').manual_seed(seed))[None]
        for seed in seeds
    ]).to(latents.device, latents.dtype)
    taken: List[Dict[str, torch.Tensor]] = []
    with recording, torch.no_grad():
        kwargs = recording.pipeline_kwargs()
        steps = _Steps(kwargs.pop('callback_on_step_end', None))
        with real_image_inputs(generator.pipeline, latents, noise, read, steps,
                               recording.store, taken):
            generator.pipeline(
                **generator.text.pipeline_inputs(text, negative),
                height=generator.height, width=generator.width,
                num_inference_steps=config.num_inference_steps,
                guidance_scale=config.guidance_scale, output_type='latent',
                generator=torch.Generator('cpu').manual_seed(seeds[0]),
                callback_on_step_end=steps.end, **kwargs)
    if len(taken) != len(set(read)):
        raise RuntimeError(f'{len(taken)} of {len(set(read))} read steps '
                           'reached the denoiser')
    layers = dict(recording.store.layers)
    return [
        InvertedImage(images[b],
                      [generator.class_names.index(n)
                       for n in names[b]], columns, layers, [{
                           name: maps[b]
                           for name, maps in step.items()
                       } for step in taken])
        for b, columns in enumerate(recording.columns())
    ]
