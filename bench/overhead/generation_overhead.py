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

    python bench/generation_overhead.py                     # CPU, 'small'
    python bench/generation_overhead.py --size tiny --breakdown
    python bench/generation_overhead.py --device cuda --full-size
    python bench/generation_overhead.py --size flux-small --repeats 3
"""
import argparse
import contextlib
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from architectures import build_pipeline  # noqa: E402
from architectures import ARCHITECTURES, image_size, max_sequence_length
from flop_bound import unet_inputs  # noqa: E402
from measure import alternate, medians, peak_memory, ratio, timed  # noqa: E402
from workloads import generation_runs, labelled_variants  # noqa: E402

from mmdd.diffusion import GenerationConfig  # noqa: E402
from mmdd.diffusion import LabelledImageGenerator  # noqa: E402
from mmdd.diffusion import record_attention  # noqa: E402
from mmdd.diffusion.generation_config import LABEL_SOURCES  # noqa: E402
from mmdd.prompts import VOC_CLASSES  # noqa: E402

DTYPES = {'fp32': torch.float32, 'fp16': torch.float16, 'bf16': torch.bfloat16}
TARGETS = dict(time=1.05, memory=1.10)  # labelled / plain, at most


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', default='small',
                        choices=sorted(ARCHITECTURES),
                        help='architecture (bench/architectures.py)')
    parser.add_argument(
        '--full-size', action='store_true',
        help='the SD 1.5 architecture: --size sd15, fp16, '
        'batch 8 unless given')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--dtype', choices=sorted(DTYPES))
    parser.add_argument('--batch', type=int)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument(
        '--guidance', type=float, help='default: the architecture\'s '
        '(7.5 for a UNet; 4.5 SD3.5, 3.5 FLUX)')
    parser.add_argument(
        '--label-sources', nargs='+', default=list(LABEL_SOURCES),
        choices=LABEL_SOURCES, help='a diffusion transformer\'s labelled '
        'variants, each measured against the plain pipeline')
    parser.add_argument(
        '--max-sequence-length', type=int,
        help='a diffusion transformer\'s T5 length (default: the '
        'preset\'s, else the pipeline\'s: 256 SD3, 512 FLUX)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--memory-repeats', type=int, default=2,
                        help='fresh-process memory probes per variant (CPU)')
    parser.add_argument('--memory-only', action='store_true',
                        help='only the fresh-process memory probes (CPU)')
    parser.add_argument(
        '--breakdown', action='store_true',
        help='also time UNet steps with and without '
        'recording')
    parser.add_argument('--seed', type=int, default=1111)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (0: torch\'s default)')
    parser.add_argument(
        '--bpe', help='CLIP BPE merges file (default: the '
        'one in mmsegmentation\'s wheel)')
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
    pipeline = build_pipeline(args.size, args.device, DTYPES[args.dtype],
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


def cpu_peaks(argv: List[str], repeats: int,
              names: List[str]) -> Dict[str, Dict[str, float]]:
    """Medians of fresh-process probes, the variants' order rotated by one
    each round (two variants alternate)."""
    probes = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for variant in names[shift:] + names[:shift]:
            out = subprocess.run(
                [sys.executable, __file__, *argv, '--probe', variant],
                check=True, capture_output=True, text=True).stdout
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
