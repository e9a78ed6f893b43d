"""The on-disk cache of generated samples: readable by hand, safe to kill.

Layout (compatible with the paper's released data, plus what mmdd needs)::

    <cache>/manifest.json          settings every sample was made with
    <cache>/.lock                  held by the run that writes the folder
    <cache>/image/<id>.jpg         the generated image
    <cache>/mask/<id>.png          palette PNG of class ids, 255 = uncertain
    <cache>/confidence/<id>.png    grey PNG, confidence * 255
    <cache>/meta/<id>.json         prompt, seed, provenance, size and sha256
                                   of each file; written last

Every file goes through :func:`mmdd.utils.atomic.atomic_write`, and a
sample counts as finished only once its ``meta`` file exists, so a crash or
Ctrl-C keeps every finished sample. Verification (``verify``): ``size``
compares byte sizes only (finds truncation; for huge caches on slow disks),
``sha256`` (the default) also compares each file's sha256 (finds any
changed byte), ``full`` also decodes every file.
"""
import json
import logging
import tempfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from PIL import Image

from mmdd.diffusion.models.fingerprint import sha256_of
from mmdd.utils.atomic import atomic_write, atomic_write_text, writer_alive
from .cache_manifest import CacheMismatchError, check_manifest, write_manifest

UNCERTAIN_COLOR = (224, 224, 192)  # VOC's colour for 255 ("void")
FOLDERS = {'image': '.jpg', 'mask': '.png', 'confidence': '.png'}
JPEG_QUALITY = 95
VERIFY_MODES = ('size', 'sha256', 'full')

__all__ = [
    'CacheMismatchError', 'SynthCache', 'VERIFY_MODES', 'sha256_of',
    'palette_image'
]


def palette_image(label: np.ndarray,
                  palette: Sequence[Sequence[int]]) -> Image.Image:
    """A palette PNG image of class ids (255 in VOC's void colour)."""
    flat = np.zeros((256, 3), np.uint8)
    flat[:len(palette)] = np.asarray(palette, np.uint8)
    flat[255] = UNCERTAIN_COLOR
    image = Image.fromarray(label.astype(np.uint8), mode='P')
    image.putpalette(flat.flatten().tolist())
    return image


def check_verify(verify: str) -> None:
    if verify not in VERIFY_MODES:
        raise ValueError(f'verify={verify!r}; use one of {VERIFY_MODES}')


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

    # -- the folder ---------------------------------------------------------
    def prepare_folder(self) -> None:
        """Create the folder, or say clearly why it cannot be written."""
        existing = next(
            p for p in (self.root, *self.root.parents) if p.exists())
        if not existing.is_dir():
            raise NotADirectoryError(
                f'cache_dir {str(self.root)!r} cannot be created: '
                f'{existing} is a file. Move that file away or point '
                'cache_dir at another folder.')
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=self.root).close()
        except PermissionError as err:
            raise PermissionError(
                f'cache_dir {str(self.root)!r} is not writable ({err}); '
                'choose a folder you can write to, or fix its permissions.'
            ) from err

    def has_finished_samples(self) -> bool:
        meta = self.root / 'meta'
        return meta.is_dir() and next(meta.glob('*.json'), None) is not None

    # -- manifest -----------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / 'manifest.json'

    def ensure_manifest(self, settings: Dict,
                        sources: Optional[Dict] = None) -> None:
        """Check the manifest against ``settings``, or write it.

        A manifest over a folder without any finished sample binds nothing:
        it is replaced, so a corrected rerun after a failed start works.
        """
        sources = sources or {}
        if self.has_finished_samples():
            if check_manifest(self.manifest_path, settings, sources):
                return
        write_manifest(self.manifest_path, settings, sources)

    # yapf: disable
    def check_manifest(self, settings: Dict, sources: Optional[Dict] = None,
                       skip: tuple = ()) -> Optional[dict]:
        # yapf: enable
        """Compare only (for reads); see :func:`check_manifest`."""
        return check_manifest(self.manifest_path, settings, sources or {},
                              skip)

    # -- samples ------------------------------------------------------------
    def write_sample(self, sample_id: str, image: np.ndarray,
                     label: np.ndarray, confidence: np.ndarray,
                     palette: Sequence[Sequence[int]], meta: Dict) -> None:
        """Write one sample atomically; ``meta`` last marks it finished."""
        confidence_png = Image.fromarray(
            np.round(np.clip(confidence, 0, 1) * 255).astype(np.uint8))
        jpeg = dict(format='JPEG', quality=JPEG_QUALITY)
        writers = {
            'image': lambda p: Image.fromarray(image).save(p, **jpeg),
            'mask':
            lambda p: palette_image(label, palette).save(p, format='PNG'),
            'confidence': lambda p: confidence_png.save(p, format='PNG'),
        }
        sizes, digests = {}, {}
        for folder, write in writers.items():
            path = self.path(folder, sample_id)
            sizes[folder] = atomic_write(path, write)
            digests[folder] = sha256_of(path)
        atomic_write_text(
            self.path('meta', sample_id),
            json.dumps(
                dict(meta, id=sample_id, sizes=sizes, sha256=digests),
                indent=1))

    def write_label(self, folder: str, sample_id: str, label: np.ndarray,
                    palette: Sequence[Sequence[int]]) -> None:
        """Write another palette label of a sample (e.g. a self-training
        round's) atomically under ``<cache>/<folder>/``."""
        atomic_write(
            self.root / folder / f'{sample_id}.png',
            lambda p: palette_image(label, palette).save(p, format='PNG'))

    def problem(self, sample_id: str, verify: str = 'sha256') -> Optional[str]:
        """Why a sample is not usable ('missing' when it was never
        finished), or None when it is. Damage names the file."""
        meta_path = self.path('meta', sample_id)
        if not meta_path.exists():
            return 'missing'
        try:
            meta = json.loads(meta_path.read_text())
            sizes = meta['sizes']
            digests = meta.get('sha256', {})
        except (OSError, ValueError, KeyError, TypeError):
            return f'{meta_path} is unreadable'
        for folder in FOLDERS:
            path = self.path(folder, sample_id)
            if not path.exists():
                return f'{path} is missing'
            if path.stat().st_size != sizes.get(folder):
                return (f'{path} has {path.stat().st_size} bytes, '
                        f'{sizes.get(folder)} were written')
            if verify != 'size' and folder in digests and \
                    sha256_of(path) != digests[folder]:
                return f'{path} has changed since it was written (sha256)'
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
        """Delete temporary files whose writer is gone; return how many.

        A live writer's files (this host) and other hosts' are kept."""
        stale = [
            p for pattern in ('.*.tmp*', '*/.*.tmp*')
            for p in self.root.glob(pattern) if not writer_alive(p)
        ]
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def unfinished(self, indices: Iterable[int],
                   verify: str = 'sha256') -> List[int]:
        """Indices still to generate; damaged samples are reported (by
        file) and removed."""
        check_verify(verify)
        todo = []
        for index in indices:
            sample_id = self.sample_id(index)
            problem = self.problem(sample_id, verify)
            if problem is None:
                continue
            if problem != 'missing':
                print_log(
                    f'Cache sample {sample_id} is damaged ({problem}); '
                    'it will be generated again.', logger='current',
                    level=logging.WARNING)
                self.discard(sample_id)
            todo.append(index)
        return todo

    def survey(self, count: int, verify: str = 'sha256') -> Dict[str, list]:
        """``{'missing': [ids], 'damaged': ['id: why', ...]}`` over samples
        ``0..count-1`` (nothing is removed)."""
        check_verify(verify)
        report = dict(missing=[], damaged=[])
        for index in range(count):
            sample_id = self.sample_id(index)
            problem = self.problem(sample_id, verify)
            if problem == 'missing':
                report['missing'].append(sample_id)
            elif problem is not None:
                report['damaged'].append(f'{sample_id}: {problem}')
        return report
