"""Find what a training run will miss before it spends GPU-hours generating.

SynthDataset generates inside the runner, before the model's weights are
initialised and before the first validation. A run whose ImageNet weights
cannot be downloaded (an offline cluster), whose val set is missing or whose
work dir is read-only would otherwise fail only after the generation.
:func:`preflight_problems` looks for each of these up front. A model that
needs compiled mmcv ops under mmcv-lite fails at its first forward pass,
generating or not: :func:`check_compiled_ops` refuses it at start.
"""
import copy
import os
import urllib.request
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from mmdd.datasets.synth_type import is_synth_dataset
from mmdd.engine.compiled_op_check import compiled_op_problems
from mmdd.utils.dataset_cfgs import iter_dataset_cfgs, type_name

FETCH_HINT = 'python tools/fetch_weights.py CONFIG'


class PreflightError(RuntimeError):
    """Something the run needs after generation is missing."""


def checkpoint_uris(cfg) -> List[Tuple[str, str]]:
    """``(config key, checkpoint)`` for every weight file the run loads:
    ``pretrained`` and ``init_cfg`` checkpoints inside ``model``, and
    ``load_from``."""
    found = list(_model_checkpoints(cfg.get('model') or {}, 'model'))
    if cfg.get('load_from'):
        found.append(('load_from', cfg.load_from))
    return found


def _model_checkpoints(node, where: str) -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get('pretrained'), str):
            yield f'{where}.pretrained', node['pretrained']
        if node.get('type') == 'Pretrained' and isinstance(
                node.get('checkpoint'), str):
            yield f'{where}.checkpoint', node['checkpoint']
        for key, value in node.items():
            if key != 'pretrained':
                yield from _model_checkpoints(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _model_checkpoints(value, f'{where}[{i}]')


def checkpoint_url(uri: str) -> Optional[str]:
    """The download URL of an ``open-mmlab://``/``http(s)://`` checkpoint;
    None for a local file (or a scheme not checked here)."""
    if uri.startswith(('http://', 'https://')):
        return uri
    for prefix in ('open-mmlab://', 'openmmlab://'):
        if uri.startswith(prefix):
            from mmengine.runner.checkpoint import (get_deprecated_model_names,
                                                    get_external_models)
            name = uri[len(prefix):]
            name = get_deprecated_model_names().get(name, name)
            url = get_external_models().get(name)
            return url if url and url.startswith('http') else None
    return None


def cached_checkpoint(url: str) -> Path:
    """Where mmengine keeps a downloaded checkpoint (what it loads instead
    of downloading again)."""
    from urllib.parse import urlparse

    import torch.hub
    return Path(torch.hub.get_dir(), 'checkpoints',
                os.path.basename(urlparse(url).path))


def _reachable(url: str, timeout: float) -> Optional[str]:
    """None when ``url`` answers, else why not."""
    try:
        request = urllib.request.Request(url, method='HEAD')
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except Exception as err:  # URLError, timeouts, HTTP errors
        return f'{type(err).__name__}: {err}'


def checkpoint_problem(where: str, uri: str,
                       timeout: float = 10.0) -> Optional[str]:
    url = checkpoint_url(uri)
    if url is None:
        if '://' in uri or Path(uri).expanduser().is_file():
            return None
        return (f'{where} = {uri!r}: no such file. Train the model it comes '
                'from first, or fix the path.')
    cached = cached_checkpoint(url)
    if cached.is_file():
        return None
    why = _reachable(url, timeout)
    if why is None:
        return None
    return (f'{where} = {uri!r} is not in the local cache ({cached}) and '
            f'cannot be downloaded from here ({why}). On a machine with '
            f'internet run `{FETCH_HINT}` and copy {cached} to the same '
            'place here (or set TORCH_HOME); docs/get_started.md, "Offline '
            'machines".')


def _generates(dataset_cfg) -> bool:
    """Whether ``dataset_cfg`` is or wraps a SynthDataset (subclasses such
    as ``SynthVOCDataset`` included), as the current default scope resolves
    its types."""
    return any(is_synth_dataset(d) for d in iter_dataset_cfgs(dataset_cfg))


def data_problems(cfg) -> List[str]:
    """Build the val/test datasets (real data: listing files is cheap) and
    name each one that cannot be read or is empty."""
    from mmengine.registry import init_default_scope

    from mmdd.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmdd'))
    problems, seen = [], []
    for loader in ('val_dataloader', 'test_dataloader'):
        loader_cfg = cfg.get(loader)
        if not loader_cfg or loader_cfg.get('dataset') is None:
            continue
        dataset_cfg = copy.deepcopy(loader_cfg['dataset'])
        if dataset_cfg in seen or _generates(dataset_cfg):
            continue
        seen.append(dataset_cfg)
        try:
            size = len(DATASETS.build(dataset_cfg))
        except Exception as err:  # any missing file or folder
            problems.append(
                f'{loader}.dataset ({type_name(dataset_cfg)}, data_root '
                f'{dataset_cfg.get("data_root")!r}) cannot be read '
                f'({type(err).__name__}: {err}). Get the data as '
                'docs/dataset_prepare.md describes, or point data_root at it '
                f'(--cfg-options {loader}.dataset.data_root=PATH).')
            continue
        if size == 0:
            problems.append(
                f'{loader}.dataset ({type_name(dataset_cfg)}) under '
                f'{dataset_cfg.get("data_root")!r} has no samples; check '
                'data_root and data_prefix (docs/dataset_prepare.md).')
    return problems


def work_dir_problem(cfg) -> Optional[str]:
    """Why the work dir cannot be created or written (nothing is created
    here)."""
    work_dir = cfg.get('work_dir')
    if not work_dir:
        return None
    path = Path(work_dir).expanduser().absolute()
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        why = f'{existing} is a file'
    elif not os.access(existing, os.W_OK | os.X_OK):
        why = f'{existing} is not writable'
    else:
        return None
    return (f'work dir {work_dir!r} cannot be written ({why}); pass '
            '--work-dir with a folder you can write to.')


def generates_data(cfg) -> bool:
    """Whether the run's training data is generated: a SynthDataset or a
    subclass (``SynthVOCDataset``, ``mmdd.SynthVOCDataset`` in a config of
    mmseg's scope), also inside dataset wrappers."""
    from mmengine.registry import DefaultScope
    train = cfg.get('train_dataloader') or {}
    if train.get('dataset') is None:
        return False
    scope = cfg.get('default_scope', 'mmdd')
    with DefaultScope.overwrite_default_scope(scope):
        return _generates(train['dataset'])


def preflight_problems(cfg, check_data: bool = True) -> List[str]:
    """Every missing piece the run will need after generating."""
    problems = compiled_op_problems(cfg)
    problems += [
        problem for where, uri in checkpoint_uris(cfg)
        if (problem := checkpoint_problem(where, uri)) is not None
    ]
    if check_data:
        problems += data_problems(cfg)
    problem = work_dir_problem(cfg)
    if problem:
        problems.append(problem)
    from .stream_checks import stream_problems
    return problems + stream_problems(cfg)


def check_compiled_ops(cfg) -> None:
    """Raise :class:`PreflightError` when the model needs compiled mmcv ops
    that this environment lacks (mmcv-lite)."""
    problems = compiled_op_problems(cfg)
    if problems:
        raise PreflightError('This run would fail at its first forward '
                             'pass:\n  - ' + '\n  - '.join(problems))


def check_before_generation(cfg) -> None:
    """Raise :class:`PreflightError` listing every missing piece, when the
    config generates its training data (otherwise there is nothing
    expensive to protect and the runner reports problems as usual, except
    missing compiled ops: :func:`check_compiled_ops`)."""
    if not generates_data(cfg):
        check_compiled_ops(cfg)
        return
    problems = preflight_problems(cfg)
    if problems:
        raise PreflightError(
            'This run would generate its training data and then fail:\n  - ' +
            '\n  - '.join(problems) +
            '\nFix these first (nothing has been generated yet).')
