"""What the synthetic cache's safety costs: verification and fingerprints.

1. Verification of finished samples, scaled to 10k samples: ``--samples``
   paper-like samples (512x512 JPEG of a smooth random image, palette mask,
   confidence PNG) are written with :class:`mmdd.datasets.SynthCache`, then
   checked with ``verify='size'``, ``'sha256'`` (the default) and
   ``'full'``. Files were just written, so they are in the page cache: on
   a cold disk add the time to read ~1.5 GB per 10k samples.
2. A model fingerprint: the sha256 of a ``--model-gb`` weight file, once
   (first run) and again through the digest memo (every later run).

    python -m bench.overhead.cache_costs --samples 200 --model-gb 1
"""
import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from mmdd.datasets.synth_cache import SynthCache
from mmdd.diffusion.models.fingerprint import FileDigests

PALETTE = [[i * 12 % 256, i * 37 % 256, i * 91 % 256] for i in range(21)]


def _sample(rng: np.random.Generator, size: int):
    """A smooth image (JPEG-sized like a real one) with a blob label."""
    small = rng.integers(0, 256, (size // 32, size // 32, 3), np.uint8)
    image = np.kron(small, np.ones((32, 32, 1), np.uint8))
    image = np.clip(
        image.astype(np.int16) + rng.integers(-20, 20, image.shape), 0,
        255).astype(np.uint8)
    yy, xx = np.mgrid[:size, :size]
    label = np.where((yy - size / 2)**2 + (xx - size / 3)**2 < (size / 4)**2,
                     rng.integers(1, 21), 0).astype(np.uint8)
    label[(label == 0) & ((yy + xx) % 97 < 6)] = 255
    confidence = np.clip(np.sin(yy / 40.0) * np.cos(xx / 30.0), 0, 1)
    return image, label, confidence


def verification(samples: int, size: int) -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as root:
        cache = SynthCache(root)
        for index in range(samples):
            cache.write_sample(
                cache.sample_id(index), *_sample(rng, size), PALETTE,
                dict(prompt='bench'))
        megabytes = sum(p.stat().st_size
                        for p in Path(root).rglob('*') if p.is_file()) / 2**20
        print(f'{samples} samples at {size}x{size}: {megabytes:.1f} MiB '
              f'({megabytes / samples * 10000 / 1024:.2f} GiB per 10k)')
        print('| verify | per 10k samples (s) |\n| --- | --- |')
        for mode in ('size', 'sha256', 'full'):
            start = time.perf_counter()
            assert not cache.unfinished(range(samples), mode)
            seconds = time.perf_counter() - start
            print(f'| {mode} | {seconds / samples * 10000:.1f} |')


def fingerprint(gigabytes: float) -> None:
    with tempfile.TemporaryDirectory() as root:
        weights = Path(root, 'unet.safetensors')
        block = os.urandom(1 << 20)
        with open(weights, 'wb') as f:
            for _ in range(int(gigabytes * 1024)):
                f.write(block)
        memo = Path(root, 'memo.json')
        start = time.perf_counter()
        digests = FileDigests(memo)
        digests(weights)
        digests.save()
        first = time.perf_counter() - start
        start = time.perf_counter()
        FileDigests(memo)(weights)
        again = time.perf_counter() - start
        print(f'fingerprint of a {gigabytes:g} GB file: {first:.1f} s the '
              f'first time, {again * 1000:.1f} ms from the memo')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--samples', type=int, default=200)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--model-gb', type=float, default=1.0)
    args = parser.parse_args()
    verification(args.samples, args.size)
    fingerprint(args.model_gb)


if __name__ == '__main__':
    main()
