"""Clocks and peak-memory probes shared by the benchmarks.

Time: wall clock around one call (CUDA synchronised), and on a CPU this
process's CPU time too, steadier than wall time on a shared machine.

Peak memory, reset before each measured call so nothing is inherited:

- CUDA: ``torch.cuda.max_memory_allocated`` after
  ``reset_peak_memory_stats``; the baseline is what is allocated before.
- CPU: the process's resident-set high-water mark ``VmHWM``, reset to the
  current RSS by writing ``5`` to ``/proc/self/clear_refs`` (Linux). Not
  ``getrusage``'s ``ru_maxrss``: a child process starts with its parent's
  peak there and keeps it across ``exec``. Where the reset is refused the
  probe says so (``reset: False``) and the peak is the process's since exec.
"""
import statistics
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import torch

MiB = 2**20


def synchronize(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def timed(run: Callable, device: str) -> Dict[str, float]:
    """Seconds of one ``run()``: ``wall``, and ``cpu`` off CUDA."""
    synchronize(device)
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    synchronize(device)
    clocks = dict(wall=time.perf_counter() - wall)
    if not device.startswith('cuda'):
        clocks['cpu'] = time.process_time() - cpu
    return clocks


def alternate(runs: Dict[str, Callable], repeats: int, device: str,
              warm_up: bool = True) -> Dict[str, List[Dict[str, float]]]:
    """One warm-up call of each run (unless done already), then
    ``repeats`` rounds over all of them, each round's order rotated by one
    (none is always first)."""
    for run in runs.values() if warm_up else ():
        run()
    names = list(runs)
    times = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timed(runs[name], device))
    return times


def medians(times: Sequence[Dict[str, float]]) -> Dict[str, float]:
    return {
        clock: statistics.median(t[clock] for t in times)
        for clock in times[0]
    }


def proc_status_kib(field: str) -> int:
    """A ``kB`` field of /proc/self/status, e.g. ``VmRSS`` or ``VmHWM``."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(field + ':'):
            return int(line.split()[1])
    raise KeyError(f'{field} not in /proc/self/status')


def reset_rss_peak() -> bool:
    """Reset VmHWM to the current RSS; False where the kernel refuses."""
    try:
        Path('/proc/self/clear_refs').write_text('5')
    except OSError:
        return False
    return True


def process_peak(run: Callable) -> Dict[str, float]:
    """Whole-process peak RSS during ``run()`` and the RSS before it, MiB."""
    reset = reset_rss_peak()
    baseline = proc_status_kib('VmRSS') / 1024
    run()
    return dict(
        peak=proc_status_kib('VmHWM') / 1024, baseline=baseline, reset=reset)


def cuda_peak(run: Callable) -> Dict[str, float]:
    """Peak CUDA memory allocated during ``run()`` and before it, MiB."""
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    baseline = torch.cuda.memory_allocated() / MiB
    run()
    torch.cuda.synchronize()
    return dict(peak=torch.cuda.max_memory_allocated() / MiB,
                baseline=baseline, reset=True)


def peak_memory(run: Callable, device: str) -> Dict[str, float]:
    return cuda_peak(run) if device.startswith('cuda') else process_peak(run)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float('nan')
