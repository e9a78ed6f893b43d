"""Which images to caption, and a resumable captions file.

The captions file is JSON, ``{"<image id>": "<caption>", ...}`` with ids
sorted: the format ``tools/prompts/build_voc_prompts.py --captions`` reads
(:func:`mmdd.prompts.read_captions`). An image id is the
file name without its suffix (``2007_000032``). The file is rewritten
atomically after every batch, so a killed run keeps every finished batch
and a rerun captions only the images still missing.
"""
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple, Union

from PIL import Image
from tqdm.auto import tqdm

from mmdd.utils.atomic import atomic_write_text, is_temporary, writer_alive
from mmdd.utils.progress import progress_bar

PathLike = Union[str, Path]
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
# Errors PIL raises for files that are not (whole) images.
UNREADABLE = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


@dataclass
class CaptionSummary:
    total: int  # images asked for
    already: int  # captioned by an earlier run
    written: int  # captioned now
    skipped: List[Tuple[str, str]] = field(default_factory=list)  # path, why


def images_in_folder(folder: PathLike) -> Dict[str, Path]:
    """``{id: path}`` of the images under ``folder`` (recursively)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'image folder {folder} does not exist')
    found: Dict[str, Path] = {}
    for path in sorted(folder.rglob('*')):
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        if path.stem in found:
            raise ValueError(
                f'{found[path.stem]} and {path} have the same id '
                f'{path.stem!r}; captions are keyed by file name without '
                'suffix, so caption these folders separately')
        found[path.stem] = path
    if not found:
        raise FileNotFoundError(
            f'no images ({", ".join(IMAGE_SUFFIXES)}) under {folder}')
    return found


def images_in_list(list_file: PathLike, image_dir: PathLike,
                   suffix: str = '.jpg') -> Dict[str, Path]:
    """``{id: image_dir/<id><suffix>}`` for the ids of ``list_file`` (one a
    line, first word; e.g. VOC's ``ImageSets/Segmentation/train.txt`` with
    ``JPEGImages``)."""
    list_file, image_dir = Path(list_file), Path(image_dir)
    if not list_file.is_file():
        raise FileNotFoundError(f'image list {list_file} does not exist')
    ids = [
        line.split()[0] for line in list_file.read_text().splitlines()
        if line.strip() and not line.startswith('#')
    ]
    images = {i: image_dir / f'{i}{suffix}' for i in ids}
    missing = [p for p in images.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} of the {len(images)} images of {list_file} are '
            f'missing (first: {missing[0]}); check --image-dir and --suffix')
    return images


def read_caption_file(path: PathLike) -> Dict[str, str]:
    """The captions a previous run wrote to ``path`` ({} when absent)."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        captions = json.loads(path.read_text('utf-8'))
    except ValueError as err:
        raise ValueError(f'{path} is not JSON ({err}); pass another --out '
                         'or delete it to start over') from err
    if not (isinstance(captions, dict)
            and all(isinstance(v, str) for v in captions.values())):
        raise ValueError(f'{path} is not a captions file of this tool (a '
                         'JSON object id -> caption); pass another --out')
    return captions


def write_caption_file(path: PathLike, captions: Dict[str, str]) -> None:
    text = json.dumps(
        dict(sorted(captions.items())), indent=0, ensure_ascii=False)
    atomic_write_text(path, text + '\n')


def remove_stale_temporaries(path: PathLike) -> int:
    """Delete temporary files of ``path`` left by killed writers."""
    path = Path(path)
    stale = [
        p for p in path.parent.glob(f'.{path.name}.tmp-*')
        if is_temporary(p) and not writer_alive(p)
    ]
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    return len(stale)


def _open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        return image.convert('RGB')


def report_skip(path: str, why: str) -> None:
    tqdm.write(f'skipped {path}: {why}', file=sys.stderr)


def caption_images(
        captioner: Callable[[Sequence[Image.Image]], List[str]],
        images: Dict[str, Path], out: PathLike, batch_size: int = 16,
        on_skip: Callable[[str, str], None] = report_skip) -> CaptionSummary:
    """Caption the images ``out`` lacks, saving after every batch.

    Unreadable images are passed to ``on_skip(path, reason)``, left out of
    the file (a rerun tries them again) and counted in the summary.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    if Path(out).suffix != '.json':
        raise ValueError(f'--out {out}: the captions file is JSON; name it '
                         '*.json (e.g. data/voc_captions.json)')
    remove_stale_temporaries(out)
    captions = read_caption_file(out)
    todo = [i for i in images if i not in captions]
    summary = CaptionSummary(
        total=len(images), already=len(images) - len(todo), written=0)
    bar = progress_bar(total=len(todo), desc='captions')
    try:
        for start in range(0, len(todo), batch_size):
            ids, loaded = [], []
            for image_id in todo[start:start + batch_size]:
                try:
                    loaded.append(_open_rgb(images[image_id]))
                    ids.append(image_id)
                except UNREADABLE as err:
                    why = f'{type(err).__name__}: {err}'
                    summary.skipped.append((str(images[image_id]), why))
                    on_skip(str(images[image_id]), why)
            texts = captioner(loaded)
            captions.update(zip(ids, texts))
            write_caption_file(out, captions)
            summary.written += len(ids)
            bar.update(min(batch_size, len(todo) - start))
    finally:
        bar.close()
    return summary
