"""Images + labels vs the plain diffusers pipeline: time and peak memory.

Both run in one process on the same random-weight pipeline, prompts,
steps, batch and seeds: a warm-up of each, then ``--repeats`` rounds that
alternate which goes first; the medians are compared. Peak memory is
``torch.cuda.max_memory_allocated`` on a GPU; on a CPU it is the peak
resident set size of a fresh child process per variant (each loads the
same pipeline and runs the same batch once), reported in full and above
the loaded-pipeline baseline.

    python bench/generation_overhead.py                     # CPU, 'small'
    python bench/generation_overhead.py --device cuda --full-size
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mmdd.diffusion import (GenerationConfig,  # noqa: E402
                            LabelledImageGenerator, SampleRequest)
from mmdd.prompts import VOC_CLASSES, append_class_prompt  # noqa: E402
from mmdd.testing import build_random_pipeline  # noqa: E402

CAPTIONS = [
    ('a dog sleeping on a couch in a living room', [12, 18]),
    ('a man riding a horse on a beach', [15, 13]),
    ('a potted plant next to a television on a table', [16, 20, 11]),
    ('an aeroplane parked at the airport', [1]),
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', default='small',
                        choices=['tiny', 'small', 'sd15'])
    parser.add_argument('--full-size', action='store_true',
                        help='the SD 1.5 architecture: --size sd15, fp16, '
                        'batch 8 unless given')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--dtype', choices=['fp32', 'fp16', 'bf16'])
    parser.add_argument('--batch', type=int)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--seed', type=int, default=1111)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (0: torch\'s default)')
    parser.add_argument('--probe', choices=['plain', 'labelled'],
                        help=argparse.SUPPRESS)  # child: one run, print RSS
    args = parser.parse_args(argv)
    if args.full_size:
        args.size = 'sd15'
    args.dtype = args.dtype or ('fp16' if args.full_size else 'fp32')
    args.batch = args.batch or (8 if args.full_size else 2)
    return args


def setup(args: argparse.Namespace):
    """The pipeline and two callables running the same batch each way."""
    if args.threads and not args.device.startswith('cuda'):
        torch.set_num_threads(args.threads)
    dtype = {'fp32': torch.float32, 'fp16': torch.float16,
             'bf16': torch.bfloat16}[args.dtype]
    pipeline = build_random_pipeline(args.size).to(args.device)
    if dtype != torch.float32:
        pipeline.to(dtype=dtype)
    config = GenerationConfig(num_inference_steps=args.steps)
    generator = LabelledImageGenerator(pipeline, VOC_CLASSES, config)
    requests = [SampleRequest(*CAPTIONS[i % len(CAPTIONS)], args.seed + i)
                for i in range(args.batch)]
    texts = [append_class_prompt(r.caption,
                                 [VOC_CLASSES[c] for c in r.class_ids])
             for r in requests]

    def plain() -> np.ndarray:
        images = pipeline(
            prompt=texts,
            negative_prompt=[config.negative_prompt] * len(texts),
            num_inference_steps=config.num_inference_steps,
            guidance_scale=config.guidance_scale,
            generator=[torch.Generator().manual_seed(r.seed)
                       for r in requests], output_type='np').images
        return (images * 255).round().astype(np.uint8)

    def labelled() -> List:
        return generator.generate(requests)

    return pipeline, {'plain': plain, 'labelled': labelled}


def timed(run: Callable, device: str) -> Dict[str, float]:
    """Wall-clock seconds, and on a CPU this process's CPU seconds too
    (steadier than wall time on a shared machine)."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        return dict(wall=time.perf_counter() - wall)
    return dict(wall=time.perf_counter() - wall,
                cpu=time.process_time() - cpu)


def rss_mib() -> float:
    """Peak resident set size of this process so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    pages = int(Path('/proc/self/statm').read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def probe(args: argparse.Namespace) -> None:
    """Child process: load, run one variant once, print its peak RSS."""
    _, runs = setup(args)
    baseline = current_rss_mib()
    runs[args.probe]()
    print(json.dumps(dict(peak=rss_mib(), baseline=baseline)))


def cpu_peaks(argv: List[str]) -> Dict[str, Dict[str, float]]:
    peaks = {}
    for variant in ('plain', 'labelled'):
        out = subprocess.run(
            [sys.executable, __file__, *argv, '--probe', variant],
            check=True, capture_output=True, text=True).stdout
        peaks[variant] = json.loads(out.strip().splitlines()[-1])
    return peaks


def cuda_peaks(runs: Dict[str, Callable]) -> Dict[str, Dict[str, float]]:
    peaks = {}
    for variant, run in runs.items():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        baseline = torch.cuda.memory_allocated() / 2**20
        run()
        peaks[variant] = dict(peak=torch.cuda.max_memory_allocated() / 2**20,
                              baseline=baseline)
    return peaks


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.probe:
        return probe(args)
    pipeline, runs = setup(args)
    params = sum(p.numel() for p in pipeline.unet.parameters()) / 1e6
    print(f'{args.size} UNet ({params:.1f}M '
          f'params), {args.device} {args.dtype}, batch {args.batch}, '
          f'{args.steps} steps, torch threads {torch.get_num_threads()}')
    for run in runs.values():  # warm-up
        run()
    times = {name: [] for name in runs}
    for repeat in range(args.repeats):
        order = list(runs) if repeat % 2 == 0 else list(runs)[::-1]
        for name in order:
            times[name].append(timed(runs[name], args.device))
    clocks = list(times['plain'][0])
    median = {name: {clock: statistics.median(t[clock] for t in runs_)
                     for clock in clocks} for name, runs_ in times.items()}
    peaks = (cuda_peaks(runs) if args.device.startswith('cuda')
             else cpu_peaks(argv))
    for name in runs:
        walls = ', '.join(f'{t["wall"]:.2f}' for t in times[name])
        print(f'{name:>9}: median ' + ', '.join(
            f'{clock} {median[name][clock]:.3f} s' for clock in clocks) +
            f' (wall runs {walls}); peak {peaks[name]["peak"]:.0f} MiB '
            f'(baseline {peaks[name]["baseline"]:.0f} MiB)')
    above = {name: p['peak'] - p['baseline'] for name, p in peaks.items()}
    print('time ratio ' + ', '.join(
        f'{clock} {median["labelled"][clock] / median["plain"][clock]:.3f}x'
        for clock in clocks) + '; peak-memory ratio '
        f'{peaks["labelled"]["peak"] / peaks["plain"]["peak"]:.3f}x '
        f'(above baseline: {above["labelled"] / above["plain"]:.3f}x)')


if __name__ == '__main__':
    main()
