"""Benchmarks by study, each entry run as a module from the repository
root: ``python -m bench.<study>.<entry> --help``.

- :mod:`bench.overhead`: what labels cost over plain generation (time,
  memory, FLOPs) and what the cache's checks cost;
- :mod:`bench.labels`: are the labels right, the paper's ablation, labels
  beyond the paper (shapes world, CPU);
- :mod:`bench.streaming`: stream or generate first;
- :mod:`bench.gpu_rehearsal`: everything a GPU should measure, in one run
  (imports no OpenMMLab package);
- :mod:`bench.common`: the set-up the studies share (architectures,
  workloads, clocks, shapes segmenter runs).

An entry (a module with ``main()``) imports library modules only, never
another entry; nothing here touches ``sys.path``.
"""
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
