"""Images + labels vs the plain diffusers pipeline: time and peak memory.

Time: both run in this process on the same random-weight pipeline,
prompts, steps, batch and seeds; a warm-up of each, then ``--repeats``
rounds that alternate which goes first; medians are compared. A diffusion
transformer (``--size sd35-small``, ``flux-small``, ...) runs one labelled
variant per ``--label-sources`` entry beside the plain pipeline, all in
the same rounds, and prints each one's ratios.

Peak memory on a CPU: fresh child processes, started before this process
loads any model, each build the same pipeline, reset their resident-set
high-water mark and run one variant once (``--memory-repeats`` probes per
variant, alternating, medians); reported whole-process (peak RSS during
the run) and above the loaded-pipeline baseline. On a GPU:
``torch.cuda.max_memory_allocated``, reset between variants.

``--breakdown`` splits the labelled path's extra time into the recording's
per-step cost (UNet calls with and without recording) and the per-batch
rest.

    python -m bench.overhead.generation_overhead           # CPU, 'small'
    python -m bench.overhead.generation_overhead --size tiny --breakdown
    python -m bench.overhead.generation_overhead --device cuda --full-size
    python -m bench.overhead.generation_overhead --size flux-small \\
        --repeats 3
"""
import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List

import torch

from bench import REPO_ROOT
from bench.common.architectures import (ARCHITECTURES, build_pipeline,
                                        image_size, max_sequence_length)
from bench.common.measure import alternate, medians, peak_memory, ratio, timed
from bench.common.workloads import (generation_runs, label_sources_option,
                                    labelled_variants)
from bench.overhead.flop_bound import unet_inputs
from mmdd.diffusion import (GenerationConfig, LabelledImageGenerator,
                            record_attention)
from mmdd.prompts import VOC_CLASSES
from mmdd.utils.cli import add_options
from mmdd.utils.precision import parse_dtype

TARGETS = dict(time=1.05, memory=1.10)  # labelled / plain, at most


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', default='small',
                        choices=sorted(ARCHITECTURES),
                        help='architecture (bench/common/architectures.py)')
    parser.add_argument(
        '--full-size', action='store_true',
        help='the SD 1.5 architecture: --size sd15, fp16, '
        'batch 8 unless given')
    add_options(
        parser, 'device', 'dtype', 'batch', 'steps', 'guidance',
        dtype=dict(help='default: fp32 (fp16 with --full-size)'),
        batch=dict(help='samples per batch (default: 2, 8 with '
                   '--full-size)'), steps=20,
        guidance=dict(help="default: the architecture's (7.5 for a UNet; "
                      '4.5 SD3.5, 3.5 FLUX)'))
    parser.add_argument(
        '--label-sources',
        **label_sources_option('each measured against the '
                               'plain pipeline'))
    parser.add_argument(
        '--max-sequence-length', type=int,
        help='a diffusion transformer\'s T5 length (default: the '
        'preset\'s, else the pipeline\'s: 256 SD3, 512 FLUX)')
    add_options(parser, 'repeats', repeats=5)
    parser.add_argument('--memory-repeats', type=int, default=2,
                        help='fresh-process memory probes per variant (CPU)')
    parser.add_argument('--memory-only', action='store_true',
                        help='only the fresh-process memory probes (CPU)')
    parser.add_argument('--breakdown', action='store_true',
                        help='also time UNet steps with and without recording')
    add_options(parser, 'seed', 'threads', 'bpe', seed=1111, threads=1)
    parser.add_argument('--probe', help=argparse.SUPPRESS)  # child: one
    # variant's run, print its RSS
    args = parser.parse_args(argv)
    if args.full_size:
        args.size = 'sd15'
    arch = ARCHITECTURES[args.size]
    if args.breakdown and arch.is_dit:
        parser.error('--breakdown times UNet calls; '
                     f'{args.size} is a diffusion transformer')
    if args.guidance is None:
        args.guidance = 7.5 if arch.guidance is None else arch.guidance
    args.max_sequence_length = (
        args.max_sequence_length or max_sequence_length(args.size))
    args.dtype = args.dtype or ('fp16' if args.full_size else 'fp32')
    args.batch = args.batch or (8 if args.full_size else 2)
    return args


def setup(args: argparse.Namespace):
    """The pipeline and the callables running the same batch: plain and
    labelled, or plain and one per label source (a diffusion
    transformer)."""
    if args.threads and not args.device.startswith('cuda'):
        torch.set_num_threads(args.threads)
    pipeline = build_pipeline(args.size, args.device, parse_dtype(args.dtype),
                              args.bpe)
    return pipeline, generation_runs(
        pipeline, args.batch, args.steps, args.seed, args.guidance,
        label_sources=args.label_sources, size=image_size(args.size, pipeline),
        max_sequence_length=args.max_sequence_length)


def variants(args: argparse.Namespace) -> List[str]:
    """The runs' names, known before any model is loaded."""
    if ARCHITECTURES[args.size].is_dit:
        return ['plain'] + list(dict.fromkeys(args.label_sources))
    return ['plain', 'labelled']


def probe(args: argparse.Namespace) -> None:
    """Child process: load, then print the peak of one run of a variant."""
    _, runs = setup(args)
    print(json.dumps(peak_memory(runs[args.probe], 'cpu')))


def child_env() -> Dict[str, str]:
    """This process's environment with the repository on PYTHONPATH, so
    that a child finds ``bench`` from any folder."""
    path = os.environ.get('PYTHONPATH')
    return dict(os.environ,
                PYTHONPATH=os.pathsep.join(filter(None, [REPO_ROOT, path])))


def cpu_peaks(argv: List[str], repeats: int,
              names: List[str]) -> Dict[str, Dict[str, float]]:
    """Medians of fresh-process probes, the variants' order rotated by one
    each round (two variants alternate)."""
    probes = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for variant in names[shift:] + names[:shift]:
            out = subprocess.run([
                sys.executable, '-m', __spec__.name, *argv, '--probe', variant
            ], check=True, capture_output=True, text=True,
                                 env=child_env()).stdout
            probes[variant].append(json.loads(out.strip().splitlines()[-1]))
    for variant, runs in probes.items():
        print(f'{variant} probes (peak / baseline MiB): ' +
              ', '.join(f'{p["peak"]:.0f} / {p["baseline"]:.0f}'
                        for p in runs))
    return {
        variant:
        dict(
            peak=statistics.median(p['peak'] for p in runs),
            baseline=statistics.median(p['baseline'] for p in runs),
            reset=all(p['reset'] for p in runs))
        for variant, runs in probes.items()
    }


def memory_line(peaks: Dict[str, Dict[str, float]],
                variant: str = 'labelled') -> str:
    above = {name: p['peak'] - p['baseline'] for name, p in peaks.items()}
    return ('peak-memory ratio '
            f'{ratio(peaks[variant]["peak"], peaks["plain"]["peak"]):.3f}x'
            f' (above baseline: {ratio(above[variant], above["plain"]):.3f}'
            'x)' + ('' if all(p['reset'] for p in peaks.values()) else
                    ' [peak reset refused: peaks since process start]'))


def ratio_line(median: Dict[str, Dict[str, float]],
               peaks: Dict[str, Dict[str, float]], variant: str) -> str:
    """``variant`` against the plain pipeline: time per clock, memory,
    and (for a label source) whether the targets are met."""
    line = ('time ratio ' +
            ', '.join(f'{clock} {ratio(median[variant][clock], value):.3f}x'
                      for clock, value in median['plain'].items()) + '; ' +
            memory_line(peaks, variant))
    if variant == 'labelled':  # a UNet: the line as it always was
        return line
    clock = 'cpu' if 'cpu' in median['plain'] else 'wall'
    met = dict(
        time=ratio(median[variant][clock], median['plain'][clock]),
        memory=ratio(peaks[variant]['peak'], peaks['plain']['peak']))
    verdict = ', '.join(f'{what} {"met" if met[what] <= bound else "MISSED"}'
                        for what, bound in TARGETS.items())
    return f'{variant:>12}: {line} [{verdict}]'


def step_breakdown(pipeline, args) -> Dict[str, float]:
    """Median seconds of one UNet call (both guidance halves) without and
    with mmdd's recording (installed before the clock starts), alternating.
    """
    unet = pipeline.unet
    layers = LabelledImageGenerator(pipeline, VOC_CLASSES,
                                    GenerationConfig()).layers
    inputs = unet_inputs(unet, 2 * args.batch)
    classes = inputs['encoder_hidden_states'][:args.batch]
    times = {'unet': [], 'unet_recording': []}
    with torch.no_grad():
        for repeat in range(max(args.repeats, 5) * 3 + 1):
            for name in list(times)[::(-1)**repeat]:
                with contextlib.ExitStack() as stack:
                    if name == 'unet_recording':
                        stack.enter_context(
                            record_attention(unet, layers, args.batch,
                                             classes))
                    times[name].append(
                        timed(lambda: unet(**inputs), args.device))
    return {name: medians(t[1:]) for name, t in times.items()}  # warm-up


def header(args: argparse.Namespace, pipeline) -> str:
    """What was measured: the denoiser's size and the sampler."""
    dit = ARCHITECTURES[args.size].is_dit
    net = pipeline.transformer if dit else pipeline.unet
    params = sum(p.numel() for p in net.parameters()) / 1e6
    side = image_size(args.size, pipeline)
    extra = (f', guidance {args.guidance:g}, {side}x{side}, label sources '
             f'{" ".join(args.label_sources)}' if dit else '')
    return (f'{args.size} {"transformer" if dit else "UNet"} '
            f'({params:.1f}M params), {args.device} {args.dtype}, batch '
            f'{args.batch}, {args.steps} steps{extra}, torch threads '
            f'{torch.get_num_threads()}')


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.probe:
        return probe(args)
    on_cuda = args.device.startswith('cuda')
    # Probes first, from this still small process.
    names = variants(args)
    peaks = None if on_cuda else cpu_peaks(argv, args.memory_repeats, names)
    if args.memory_only:
        for name in names[1:]:
            prefix = '' if name == 'labelled' else f'{name:>12}: '
            print(prefix + memory_line(peaks, name))
        return None
    pipeline, runs = setup(args)
    print(header(args, pipeline))
    if on_cuda:
        peaks = {
            variant: peak_memory(run, args.device)
            for variant, run in runs.items()
        }
    times = alternate(runs, args.repeats, args.device, warm_up=not on_cuda)
    median = {name: medians(t) for name, t in times.items()}
    width = max(9, *map(len, runs))
    for name in runs:
        walls = ', '.join(f'{t["wall"]:.2f}' for t in times[name])
        print(f'{name:>{width}}: median ' +
              ', '.join(f'{clock} {value:.3f} s'
                        for clock, value in median[name].items()) +
              f' (wall runs {walls}); peak {peaks[name]["peak"]:.0f} MiB '
              f'(baseline {peaks[name]["baseline"]:.0f} MiB)')
    for name in labelled_variants(runs):
        print(ratio_line(median, peaks, name))
    print(f'targets: time ratio <= {TARGETS["time"]:.2f}x, peak-memory ratio '
          f'<= {TARGETS["memory"]:.2f}x')
    if args.breakdown:
        clock = 'cpu' if 'cpu' in median['plain'] else 'wall'
        step = step_breakdown(pipeline, args)
        bare, recording = (step[n][clock] for n in ('unet', 'unet_recording'))
        per_step = recording - bare
        extra = median['labelled'][clock] - median['plain'][clock]
        print(f'breakdown ({clock} time): UNet call {bare * 1e3:.1f} ms, '
              f'with recording {recording * 1e3:.1f} ms '
              f'({ratio(recording, bare):.3f}x); recording over '
              f'{args.steps} steps '
              f'{per_step * args.steps * 1e3:.0f} ms of the '
              f'{extra * 1e3:.0f} ms extra per batch; per-batch rest '
              f'{(extra - per_step * args.steps) * 1e3:.0f} ms')


if __name__ == '__main__':
    main()
