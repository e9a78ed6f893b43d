"""SynthDataset: Stable Diffusion images with attention labels, as an mmseg
dataset that generates what its cache lacks before training starts (or,
with ``stream``, while it trains).
"""
import logging
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset

from mmdd.distributed.stream_config import StreamConfig
from mmdd.registry import DATASETS
from .prompt_fit import check_prompts_fit
from .synth_cache import SynthCache, check_verify, sha256_of
from .synth_generation import check_model, fill_cache, read_prompt_records


@DATASETS.register_module()
class SynthDataset(BaseSegDataset):
    """Generate-or-read synthetic segmentation data (Dataset Diffusion).

    Sample ``i`` uses prompt ``i % len(prompts)`` of ``prompts_file`` (JSONL
    from ``tools/prompts/``) and seed ``seed + i``. Samples are generated in
    fixed blocks of ``batch_size`` consecutive indices, block ``k`` by rank
    ``k % world_size``, so every rank knows its share without talking to
    the others. At ``full_init`` each rank checks its blocks in the cache,
    regenerates every block with a missing or damaged sample on its own
    device, and waits at a barrier; then the dataset lists the cache like
    any ``BaseSegDataset`` and the usual mmseg pipeline applies.

    The inputs (prompts, model folder, image size) are checked before
    anything is written; the cache's manifest must match the config, the
    model compared by content (see docs/dataset_prepare.md, "What the cache
    guarantees"). Rank 0 locks the folder while its run writes.

    Why whole blocks: a batched denoising pass rounds differently from a
    smaller one, and attention labels amplify such differences. Redoing the
    whole block makes a resumed run write the very bytes an uninterrupted
    one would, and makes the data the same whatever the number of GPUs.

    Args:
        cache_dir: the cache folder (see :mod:`mmdd.datasets.synth_cache`).
        prompts_file: JSONL prompts (``id``, ``caption``, ``classes``).
        model: a diffusers SD 1.x/2.x or SDXL hub id or local folder.
        num_samples: how many samples; default one per prompt.
        seed: seed of sample 0 (the paper's 1111).
        generation: :class:`mmdd.diffusion.GenerationConfig` fields (steps,
            guidance, thresholds, tau, ...).
        batch_size: samples per denoising batch (and per block, see above).
        torch_dtype: ``fp16``, ``bf16`` or ``fp32``.
        scheduler: a diffusers scheduler class name; None keeps the model's.
        device: where to generate; default this rank's GPU, else the CPU.
        generate: False only reads the cache and fails if it is incomplete.
        verify: how finished samples are checked: ``sha256`` (every byte,
            the default), ``size`` (byte sizes only, for very large caches
            on slow disks) or ``full`` (sha256 and decode every file).
        wait_for_other_run: when another run writes the same cache, wait
            for it (True) or stop at once naming it (False).
        barrier_timeout: seconds a rank that finished generating waits for
            the others before giving up; None waits as long as it takes.
        allow_partial: with ``generate=False``, list the finished samples
            of an incomplete cache instead of refusing it (browsing while
            generation runs).
        mask_folder: the cache folder labels are read from: ``mask`` (the
            attention labels) or, for a self-training round, the folder that
            ``tools/pseudo_label.py`` wrote.
        stream: None (the default) generates every missing sample before
            training; ``dict(mode='interleaved' | 'split', ...)`` (or True
            for interleaved) starts training once the first blocks exist
            and generates the rest while it runs, the same bytes
            (:mod:`mmdd.distributed.stream_config`; it needs
            ``StreamSampler`` and ``SynthStreamHook``).
        metainfo: ``classes`` (index 0 the background; the names are written
            into the prompts) and ``palette``.
    """

    def __init__(self, cache_dir: str, prompts_file: str, model: str,
                 num_samples: Optional[int] = None, seed: int = 1111,
                 generation: Optional[Dict] = None, batch_size: int = 4,
                 torch_dtype: str = 'fp16', scheduler: Optional[str] = None,
                 device: Optional[str] = None, generate: bool = True,
                 verify: str = 'sha256', mask_folder: str = 'mask',
                 wait_for_other_run: bool = True,
                 barrier_timeout: Optional[float] = None,
                 allow_partial: bool = False,
                 stream: Union[None, bool, Dict] = None, **kwargs) -> None:
        check_verify(verify)
        # Reads (generate=False: browsing, testing) never stream.
        self.stream_config = StreamConfig.parse(stream) if generate else None
        if self.stream_config is not None and mask_folder != 'mask':
            raise ValueError(
                f"stream is set with mask_folder={mask_folder!r}: only the "
                "attention labels ('mask') stream; read a self-training "
                'round from a finished cache with stream=None.')
        self.stream = None  # the CacheStream, once full_init starts it
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.cache = SynthCache(cache_dir)
        self.prompts_file = prompts_file
        self.model = model
        self.num_samples = num_samples
        self.seed = seed
        self.generation = dict(generation or {})
        self.batch_size = batch_size
        self.torch_dtype = torch_dtype
        self.scheduler = scheduler
        self.device = device
        self.generate = generate
        self.verify = verify
        self.mask_folder = mask_folder
        self.wait_for_other_run = wait_for_other_run
        self.barrier_timeout = barrier_timeout
        self.allow_partial = allow_partial
        self._identity: Optional[Dict] = None
        self._generated = False
        kwargs.setdefault('img_suffix', '.jpg')
        kwargs.setdefault('seg_map_suffix', '.png')
        super().__init__(**kwargs)

    # -- what to generate -------------------------------------------------
    def _prompts(self) -> list:
        return read_prompt_records(self.prompts_file, self.metainfo['classes'])

    def _count(self, prompts: Sequence) -> int:
        count = len(prompts) if self.num_samples is None else self.num_samples
        if count < 1:
            raise ValueError(f'num_samples must be >= 1, got {count}')
        return count

    def _model_identity(self, online: bool = True) -> Dict:
        if self._identity is None:
            from mmdd.diffusion.models.fingerprint import model_identity
            self._identity = model_identity(self.model, online)
        return self._identity

    def settings(self, with_model: bool = True,
                 online: bool = True) -> Tuple[Dict, Dict]:
        """What decides the samples' content (compared with the manifest),
        and where it came from (recorded, never compared)."""
        from mmdd.diffusion import GenerationConfig
        generation = GenerationConfig(**self.generation).content_settings()
        settings = dict(scheduler=self.scheduler, torch_dtype=self.torch_dtype,
                        seed=self.seed, batch_size=self.batch_size,
                        prompts_sha256=sha256_of(self.prompts_file),
                        classes=list(self.metainfo['classes']),
                        generation=generation)
        sources = dict(model=self.model)
        if with_model:
            identity = self._model_identity(online)
            settings['model'] = identity['fingerprint']
            sources['model_files'] = identity.get('files')
        return settings, sources

    # -- mmengine BaseDataset hooks ---------------------------------------
    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if self.generate:
            prompts = self._prompts()
            count = self._count(prompts)
            check_model(self.model, self.generation)
            check_prompts_fit(self.model, self.generation,
                              self.metainfo['classes'], prompts)
            if self.stream_config is None:
                fill_cache(self, prompts, count)
            else:
                from .synth_stream import CacheStream
                self.stream = CacheStream(self, self.stream_config, prompts,
                                          count)
                self.stream.start()
            self._generated = True
        super().full_init()

    def _check_read(self) -> None:
        """Reads (generate=False) check the manifest too; a model that is
        not here to fingerprint is left out with a warning."""
        if not self.cache.has_finished_samples():
            return
        try:
            settings, sources = self.settings(online=False)
            skip = ()
        except (OSError, ValueError) as err:
            print_log(
                f'Cannot check which model made {self.cache.root} '
                f'({err}); the other settings are checked.', logger='current',
                level=logging.WARNING)
            settings, sources = self.settings(with_model=False)
            skip = ('model', )
        self.cache.check_manifest(settings, sources, skip)

    def load_data_list(self) -> List[dict]:
        prompts = self._prompts()
        count = self._count(prompts)
        if not self._generated:
            self._check_read()
        if self.stream is not None:  # listed ahead; StreamSampler waits
            ready = range(count)
        else:  # just generated: every sample was verified; sizes suffice
            report = self.cache.survey(
                count, 'size' if self._generated else self.verify)
            ready = self._ready_indices(count, report)
        data_list = []
        for index in ready:
            sample_id = self.cache.sample_id(index)
            seg_map_path = self.cache.root / self.mask_folder / \
                f'{sample_id}.png'
            if self.stream is None and not seg_map_path.is_file():
                raise FileNotFoundError(
                    f'{seg_map_path} is missing: write the {self.mask_folder}'
                    ' labels with tools/pseudo_label.py CONFIG CHECKPOINT '
                    f'--mask-folder {self.mask_folder}, or use '
                    "mask_folder='mask'.")
            data_list.append(
                dict(
                    img_path=str(self.cache.path('image', sample_id)),
                    seg_map_path=str(seg_map_path), confidence_path=str(
                        self.cache.path('confidence',
                                        sample_id)), label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label, seg_fields=[]))
        return data_list

    def _ready_indices(self, count: int, report: Dict[str, list]) -> List[int]:
        missing, damaged = report['missing'], report['damaged']
        if not missing and not damaged:
            return list(range(count))
        summary = (f'{count - len(missing) - len(damaged)} of {count} '
                   f'samples of {self.cache.root} are ready; '
                   f'{len(missing)} missing' +
                   (f' (first: {missing[0]})' if missing else '') +
                   f', {len(damaged)} damaged' +
                   ''.join(f'\n  {line}' for line in damaged[:20]) +
                   ('\n  ...' if len(damaged) > 20 else ''))
        if self.allow_partial:
            print_log(summary, logger='current', level=logging.WARNING)
            bad = set(missing) | {line.split(':')[0] for line in damaged}
            return [
                i for i in range(count) if self.cache.sample_id(i) not in bad
            ]
        raise FileNotFoundError(
            summary + '\nGenerate or repair them with tools/generate.py '
            'CONFIG, or set generate=True in the dataset config.')

    def prepare_data(self, idx: int):
        """Name the damaged file (and the repair) when a sample fails to
        load, instead of a decoder error about a byte stream."""
        if self.stream is not None:
            self._check_finished(idx)
        try:
            return super().prepare_data(idx)
        except Exception as err:
            sample_id = Path(self.get_data_info(idx)['img_path']).stem
            problem = self.cache.problem(sample_id, 'full')
            if problem in (None, 'missing'):
                raise
            raise RuntimeError(
                f'Synthetic sample {sample_id} cannot be loaded: {problem}. '
                'Repair the cache with python tools/generate.py CONFIG '
                '(it finds and regenerates damaged samples).') from err

    def _check_finished(self, idx: int) -> None:
        sample_id = Path(self.get_data_info(idx)['img_path']).stem
        if not self.cache.path('meta', sample_id).exists():
            raise RuntimeError(
                f'Synthetic sample {sample_id} is not generated yet. A '
                'streaming SynthDataset is read through StreamSampler, '
                "which draws only finished samples: set train_dataloader."
                "sampler=dict(type='StreamSampler').")
