"""GPU rehearsal: mmdd's labelled generation at real sizes, in one run.

For each architecture (random weights, built from its config): the plain
diffusers pipeline vs mmdd's labelled generation (time, peak memory,
images/s), the paper code's attention-store pattern as a probe, the UNet's
fraction of the card's FLOP bound; then the label computation's time per
image. A diffusion transformer (SD3.5, FLUX.1) runs the first part only,
one row per label source, at its own steps, guidance and dtype. Tables
(markdown and JSON) go to ``--out`` after every section, so a run cut
short keeps what it finished. Needs torch, diffusers, transformers,
numpy, safetensors and mmdd (no OpenMMLab package).

    bash bench/gpu_rehearsal/gpu_rehearsal.sh OUT_DIR   # on the GPU machine
    python -m bench.gpu_rehearsal.gpu_rehearsal --device cpu --archs tiny \\
        --batch 1 --steps 2 --repeats 1 --label-grid 8 --out /tmp/rehearsal
    python -m bench.gpu_rehearsal.gpu_rehearsal --device cpu \\
        --archs flux-tiny sd35-tiny --batch 1 --steps 2 --repeats 1 \\
        --sections generation --out /tmp/dit
"""
import argparse
import gc
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch

from bench.common.architectures import (ARCHITECTURES, build_pipeline,
                                        image_size, max_sequence_length,
                                        unavailable)
from bench.common.measure import MiB, alternate, medians, peak_memory, ratio
from bench.common.workloads import (generation_runs, label_sources_option,
                                    labelled_variants)
from bench.gpu_rehearsal.rehearsal_tables import write_tables
from bench.overhead.attention_store_probe import (largest_map_bytes,
                                                  predicted_bytes,
                                                  store_all_attention)
from bench.overhead.flop_bound import flop_bound_row
from bench.overhead.label_timing import label_timing_rows
from mmdd.utils.cli import add_options
from mmdd.utils.precision import parse_dtype

SECTIONS = ('generation', 'labels')


def parse_args(argv=None) -> argparse.Namespace:
    """The options in the order ``results.json`` records them."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_options(
        parser, 'out', 'device', device='cuda',
        out=dict(required=True, type=str,
                 help='folder for results.md and results.json'))
    parser.add_argument('--archs', nargs='+',
                        default=['sd21-base', 'sd15',
                                 'sdxl'], help=f'from {sorted(ARCHITECTURES)}')
    parser.add_argument(
        '--reference-archs', nargs='*', default=['sd21-base', 'sd15', 'tiny'],
        help='architectures that also run the paper '
        'code\'s attention-store pattern')
    parser.add_argument('--sections', nargs='+', default=list(SECTIONS),
                        choices=SECTIONS)
    add_options(
        parser, 'batch', 'steps', 'guidance',
        batch=dict(help="samples per batch (default: each architecture's "
                   'GPU batch)'),
        steps=dict(help="default: each architecture's own (50 for a UNet; "
                   '28, or 4 for FLUX.1-schnell, for a DiT)'),
        guidance=dict(help="default: each architecture's own (7.5 for a "
                      'UNet; 4.5 SD3.5, 3.5 FLUX.1-dev, 0 schnell)'))
    parser.add_argument(
        '--label-sources',
        **label_sources_option('one row each (a UNet always labels from '
                               'class_prompt)'))
    add_options(
        parser, 'repeats', 'dtype', repeats=3,
        dtype=dict(help="default: fp32 off CUDA; on CUDA each "
                   "architecture's own (fp16 UNet, bf16 DiT)"))
    parser.add_argument('--unet-calls', type=int, default=10,
                        help='timed UNet calls of the FLOP-bound section')
    parser.add_argument(
        '--label-grid', type=int, default=32,
        help='self-attention grid of the label timing '
        '(cross-attention half of it, image 16x it)')
    parser.add_argument('--label-repeats', type=int, default=30)
    parser.add_argument(
        '--budget-s', type=float, default=450,
        help='start no architecture that would end after '
        'this many seconds (guessed from the previous one)')
    add_options(
        parser, 'peak-tflops', 'bpe', 'threads',
        peak_tflops=dict(help="the card's dense fp16/bf16 peak, where the "
                         'built-in table does not know it'))
    args = parser.parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error('--device cuda but torch sees no GPU; use --device cpu')
    return args


def environment(args: argparse.Namespace) -> Dict[str, str]:
    import diffusers
    import transformers
    env = dict(python=platform.python_version(), torch=torch.__version__,
               diffusers=diffusers.__version__,
               transformers=transformers.__version__,
               command=' '.join(sys.argv), threads=torch.get_num_threads(),
               device=args.device)
    if args.device.startswith('cuda'):
        props = torch.cuda.get_device_properties(args.device)
        env.update(device=props.name, cuda=torch.version.cuda,
                   gpu_memory_gib=round(props.total_memory / 2**30, 1))
    return env


def openmmlab_modules() -> List[str]:
    """OpenMMLab packages this process has imported (should be none)."""
    return sorted({
        name.split('.')[0]
        for name in sys.modules
        if name.split('.')[0] in ('mmcv', 'mmengine', 'mmseg')
    })


def reference_fits(pipeline, batch: int, device: str) -> Optional[str]:
    """None when the reference pattern fits the card, else why not."""
    if not device.startswith('cuda'):
        return None
    unet, latent = pipeline.unet, pipeline.unet.config.sample_size
    shape = ((latent, latent), 2 * batch, unet.dtype.itemsize)
    kept = predicted_bytes(unet, *shape)
    # Transient: the largest explicit scores, their softmax, the bmm input.
    transient = 3 * largest_map_bytes(unet, *shape)
    free, _ = torch.cuda.mem_get_info(device)
    if kept + transient > 0.9 * free:
        return (f'needs about {(kept + transient) / 2**30:.1f} GiB, '
                f'{free / 2**30:.1f} GiB free')
    return None


def attempt(what: str, failed: List[str], function, *args):
    """``function(*args)``; a failure is printed and appended to ``failed``
    instead of ending the rehearsal: one broken section must not cost the
    others' figures."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 -- reported, not hidden
        traceback.print_exc()
        failed.append(f'{what}: {type(error).__name__}: {error}'[:500])
    gc.collect()  # the failed section's frames held its pipeline
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return None


def sampler(arch, args: argparse.Namespace) -> Tuple[int, float, str]:
    """Steps, guidance and dtype of ``arch``: the command line's where
    given, else the architecture's own, else 50 steps, guidance 7.5, and
    fp16 on CUDA (fp32 elsewhere)."""
    steps = args.steps or arch.steps or 50
    guidance = next(
        g for g in (args.guidance, arch.guidance, 7.5) if g is not None)
    dtype = args.dtype or (arch.gpu_dtype
                           if args.device.startswith('cuda') else 'fp32')
    return steps, guidance, dtype


def generation_rows(setting: Dict, times: Dict, peaks: Dict, batch: int,
                    device: str) -> List[Dict]:
    """One row per labelled variant (a UNet's ``labelled``, a diffusion
    transformer's label sources): its figures as ``labelled_*`` beside the
    plain pipeline's (and the reference pattern's), and their ratios."""
    median = {variant: medians(t) for variant, t in times.items()}
    extra = {v: p['peak'] - p['baseline'] for v, p in peaks.items()}
    rows = []
    for variant in labelled_variants(times):
        names = {v: v for v in ('plain', 'reference') if v in times}
        names[variant] = 'labelled'
        row = dict(setting,
                   label_source=variant.replace('labelled', 'class_prompt'))
        for v, n in names.items():
            row.update({
                f'{n}_s': round(median[v]['wall'], 4),
                f'{n}_images_per_s': round(batch / median[v]['wall'], 3),
                f'{n}_peak_mib': round(peaks[v]['peak'], 1),
                f'{n}_extra_mib': round(extra[v], 1)
            })
            if 'cpu' in median[v]:  # off CUDA
                row[f'{n}_cpu_s'] = round(median[v]['cpu'], 4)
        row.update(
            time_ratio=ratio(median[variant]['wall'], median['plain']['wall']),
            peak_ratio=ratio(peaks[variant]['peak'], peaks['plain']['peak']),
            extra_ratio=ratio(extra[variant], extra['plain']), wall_runs={
                n: [round(t['wall'], 3) for t in times[v]]
                for v, n in names.items()
            }, memory='torch.cuda.max_memory_allocated'
            if device.startswith('cuda') else 'in-process VmHWM (indicative)')
        rows.append(row)
    return rows


def run_architecture(name: str, args: argparse.Namespace,
                     results: Dict) -> None:
    device, arch = args.device, ARCHITECTURES[name]
    steps, guidance, dtype = sampler(arch, args)
    batch = args.batch or (arch.gpu_batch if device.startswith('cuda') else 1)
    start = time.perf_counter()
    pipeline = build_pipeline(name, device, parse_dtype(dtype), args.bpe)
    built_s = time.perf_counter() - start
    size = image_size(name, pipeline)
    runs = generation_runs(pipeline, batch, steps, guidance=guidance,
                           label_sources=args.label_sources, size=size,
                           max_sequence_length=max_sequence_length(name))
    setting = dict(architecture=name, title=arch.title, batch=batch,
                   steps=steps, guidance=guidance, size=size, dtype=dtype,
                   build_s=round(built_s, 1))
    if name in args.reference_archs and arch.is_dit:
        results['skipped'].append(
            f'{name} reference pattern: UNet attention only')
    elif name in args.reference_archs:
        too_big = reference_fits(pipeline, batch, device)
        if too_big:
            results['skipped'].append(f'{name} reference pattern: {too_big}')
        else:
            plain = runs['plain']

            def reference():
                # pipeline is deleted only after the runs (pyflakes
                # cannot see that order).
                with store_all_attention(pipeline.unet):  # noqa: F821
                    return plain()

            runs['reference'] = reference
    # One plain call makes the one-time allocations (library workspaces)
    # that no variant should be charged for; then each variant's peak-memory
    # call is also its warm-up.
    runs['plain']()
    peaks = {}
    for variant, run in list(runs.items()):
        try:
            peaks[variant] = peak_memory(run, device)
        except torch.cuda.OutOfMemoryError as error:
            if variant != 'reference':
                raise
            del runs[variant]
            results['skipped'].append(
                f'{name} reference pattern: out of memory ({error})'[:300])
            torch.cuda.empty_cache()
    times = alternate(runs, args.repeats, device, warm_up=False)
    results['generation'] += generation_rows(setting, times, peaks, batch,
                                             device)
    median = {variant: medians(t)['wall'] for variant, t in times.items()}
    extra = {v: p['peak'] - p['baseline'] for v, p in peaks.items()}
    if 'reference' in runs:
        latent = size // pipeline.vae_scale_factor
        results['reference'].append(
            dict(
                setting, reference_s=round(median['reference'], 4),
                labelled_s=round(median['labelled'],
                                 4), time_ratio=ratio(median['reference'],
                                                      median['labelled']),
                reference_extra_mib=round(extra['reference'], 1),
                labelled_extra_mib=round(extra['labelled'], 1),
                extra_ratio=ratio(extra['reference'], extra['labelled']),
                predicted_kept_mib=round(
                    predicted_bytes(pipeline.unet, (latent, latent), 2 * batch,
                                    pipeline.unet.dtype.itemsize) / MiB, 1)))
    if not arch.is_dit:  # the FLOP bound is the UNet's
        results['flops'].append(
            dict(
                setting,
                **flop_bound_row(pipeline, batch, device, args.peak_tflops,
                                 median['plain'], steps, args.unet_calls)))
    del pipeline, runs
    gc.collect()
    if device.startswith('cuda'):
        torch.cuda.empty_cache()


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.perf_counter()
    out = Path(args.out)
    results = dict(
        environment=environment(args), settings=vars(args).copy(),
        generation=[], reference=[], flops=[], labels=[], skipped=[],
        failed=[], architecture_s={})
    if 'generation' in args.sections:
        last_s = 0.0  # the previous architecture's time: the next's guess
        for name in args.archs:
            reason = unavailable(name)
            elapsed = time.perf_counter() - start
            if reason is None and elapsed + last_s > args.budget_s:
                reason = (f'time budget: {elapsed:.0f} s spent + about '
                          f'{last_s:.0f} s > --budget-s {args.budget_s:.0f}')
            if reason:
                results['skipped'].append(f'{name}: {reason}')
                print(f'skipped {name}: {reason}', flush=True)
                continue
            print(f'{name}: running', flush=True)
            attempt(name, results['failed'], run_architecture, name, args,
                    results)
            last_s = time.perf_counter() - start - elapsed
            results['architecture_s'][name] = round(last_s, 1)
            print(f'{name}: {last_s:.0f} s', flush=True)
            results['environment']['elapsed_s'] = round(
                time.perf_counter() - start, 1)
            print(write_tables(out, results), flush=True)
    if 'labels' in args.sections:
        results['labels'] = attempt('label timing', results['failed'],
                                    label_timing_rows, args.device,
                                    args.label_grid, args.label_repeats) or []
    results['environment'].update(
        elapsed_s=round(time.perf_counter() - start, 1),
        openmmlab_modules=openmmlab_modules())
    print(write_tables(out, results), flush=True)
    return results


if __name__ == '__main__':
    sys.exit(1 if main()['failed'] else 0)  # the tables are written anyway
