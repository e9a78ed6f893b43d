"""The on-disk cache of generated samples: readable by hand, safe to kill.

Layout (compatible with the paper's released data, plus what mmdd needs)::

    <cache>/manifest.json          settings every sample was made with
    <cache>/image/<id>.jpg         the generated image
    <cache>/mask/<id>.png          palette PNG of class ids, 255 = uncertain
    <cache>/confidence/<id>.png    grey PNG, confidence * 255
    <cache>/meta/<id>.json         prompt, seed, file sizes; written last

Every file is written to a temporary name and renamed into place, and a
sample counts as finished only once its ``meta`` file exists, so a crash or
Ctrl-C at any moment keeps every finished sample and loses no more than the
ones in flight. ``meta`` records the byte size of each file so that a
truncated file is found without decoding 40k images; ``verify='full'``
decodes them too.
"""
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from PIL import Image

MANIFEST_VERSION = 1
UNCERTAIN_COLOR = (224, 224, 192)  # VOC's colour for 255 ("void")
FOLDERS = {'image': '.jpg', 'mask': '.png', 'confidence': '.png'}
JPEG_QUALITY = 95
VERIFY_MODES = ('size', 'full')


class CacheMismatchError(RuntimeError):
    """The cache was made with other settings than the config asks for."""


def sha256_of(path: Union[str, Path]) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, write) -> int:
    """Call ``write(tmp_path)``, then rename into place; return the size."""
    tmp = path.with_name(f'.{path.name}.tmp{os.getpid()}')
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path.stat().st_size


def palette_image(label: np.ndarray, palette: Sequence[Sequence[int]]
                  ) -> Image.Image:
    """A palette PNG image of class ids (255 in VOC's void colour)."""
    flat = np.zeros((256, 3), np.uint8)
    flat[:len(palette)] = np.asarray(palette, np.uint8)
    flat[255] = UNCERTAIN_COLOR
    image = Image.fromarray(label.astype(np.uint8), mode='P')
    image.putpalette(flat.flatten().tolist())
    return image


class SynthCache:
    """One cache folder; sample ``i`` is stored under id ``f'{i:06d}'``."""

    def __init__(self, root: Union[str, Path]) -> None:
        self.root = Path(root)

    @staticmethod
    def sample_id(index: int) -> str:
        return f'{index:06d}'

    def path(self, folder: str, sample_id: str) -> Path:
        suffix = FOLDERS.get(folder, '.json')
        return self.root / folder / f'{sample_id}{suffix}'

    # -- manifest ---------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / 'manifest.json'

    def read_manifest(self) -> Optional[dict]:
        if not self.manifest_path.exists():
            return None
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, ValueError) as err:
            raise CacheMismatchError(
                f'{self.manifest_path} is unreadable ({err}); delete it only '
                'if every sample in the folder was made with this config.'
            ) from err

    def ensure_manifest(self, settings: Dict) -> None:
        """Write the manifest, or check that it matches ``settings``."""
        settings = json.loads(json.dumps(settings))  # normalise types
        found = self.read_manifest()
        if found is None:
            self.root.mkdir(parents=True, exist_ok=True)
            text = json.dumps({'version': MANIFEST_VERSION,
                               'settings': settings}, indent=2)
            _atomic_write(self.manifest_path, lambda p: p.write_text(text))
            return
        old = found.get('settings', {})
        differences = [
            f'  {key}: cache has {old.get(key)!r}, config asks for '
            f'{settings.get(key)!r}'
            for key in sorted(set(old) | set(settings))
            if old.get(key) != settings.get(key)
        ]
        if differences:
            raise CacheMismatchError(
                f'The cache {self.root} was generated with other settings:\n'
                + '\n'.join(differences) +
                '\nMixing them would silently blend two datasets. Point '
                'cache_dir at a new folder, or delete this one to start over.')

    # -- samples ----------------------------------------------------------
    def write_sample(self, sample_id: str, image: np.ndarray,
                     label: np.ndarray, confidence: np.ndarray,
                     palette: Sequence[Sequence[int]], meta: Dict) -> None:
        """Write one sample atomically; ``meta`` last marks it finished."""
        for folder in (*FOLDERS, 'meta'):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        sizes = {
            'image': _atomic_write(
                self.path('image', sample_id),
                lambda p: Image.fromarray(image).save(
                    p, format='JPEG', quality=JPEG_QUALITY)),
            'mask': _atomic_write(
                self.path('mask', sample_id),
                lambda p: palette_image(label, palette).save(p, format='PNG')),
            'confidence': _atomic_write(
                self.path('confidence', sample_id),
                lambda p: Image.fromarray(
                    np.round(np.clip(confidence, 0, 1) * 255).astype(
                        np.uint8)).save(p, format='PNG')),
        }
        text = json.dumps(dict(meta, id=sample_id, sizes=sizes), indent=1)
        _atomic_write(self.path('meta', sample_id),
                      lambda p: p.write_text(text))

    def write_label(self, folder: str, sample_id: str, label: np.ndarray,
                    palette: Sequence[Sequence[int]]) -> None:
        """Write another palette label of a sample (e.g. a self-training
        round's) atomically under ``<cache>/<folder>/``."""
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        _atomic_write(self.root / folder / f'{sample_id}.png',
                      lambda p: palette_image(label, palette).save(
                          p, format='PNG'))

    def problem(self, sample_id: str, verify: str = 'size') -> Optional[str]:
        """Why a sample is not usable, or None when it is."""
        meta_path = self.path('meta', sample_id)
        if not meta_path.exists():
            return 'missing'
        try:
            sizes = json.loads(meta_path.read_text())['sizes']
        except (OSError, ValueError, KeyError, TypeError):
            return f'unreadable {meta_path.name}'
        for folder in FOLDERS:
            path = self.path(folder, sample_id)
            if not path.exists():
                return f'{path} is missing'
            if path.stat().st_size != sizes.get(folder):
                return (f'{path} has {path.stat().st_size} bytes, '
                        f'{sizes.get(folder)} were written')
            if verify == 'full':
                try:
                    with Image.open(path) as im:
                        im.load()
                except Exception as err:  # PIL raises many kinds
                    return f'{path} does not decode ({err})'
        return None

    def discard(self, sample_id: str) -> None:
        for folder in ('meta', *FOLDERS):
            self.path(folder, sample_id).unlink(missing_ok=True)

    def remove_temporaries(self) -> int:
        """Delete temporary files left by a killed run; return how many.

        Call it only while no process is writing to the cache.
        """
        stale = list(self.root.glob('*/.*.tmp*'))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def unfinished(self, indices: Iterable[int], verify: str = 'size'
                   ) -> List[int]:
        """Indices still to generate; damaged samples are reported, removed.
        """
        if verify not in VERIFY_MODES:
            raise ValueError(f'verify={verify!r}; use one of {VERIFY_MODES}')
        todo = []
        for index in indices:
            sample_id = self.sample_id(index)
            problem = self.problem(sample_id, verify)
            if problem is None:
                continue
            if problem != 'missing':
                print_log(f'Cache sample {sample_id} is damaged ({problem}); '
                          'it will be generated again.', logger='current',
                          level=logging.WARNING)
                self.discard(sample_id)
            todo.append(index)
        return todo
