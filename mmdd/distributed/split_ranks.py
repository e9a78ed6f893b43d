"""Split ranks: in one job, the last ranks only generate and the others
only train, in a process group of their own.

``tools/train.py`` calls :func:`setup_split_ranks` before it builds the
Runner. Every rank joins the job's process group (``init_dist``, as the
Runner would) and creates the training ranks' group. A generating rank then
builds the streaming dataset, which makes its share of the blocks, and
leaves. A training rank makes the training group mmengine's default group
(``mmengine.dist`` looks it up in one function, :func:`get_default_group`),
so everything the Runner does collectively stays among the training ranks:
DDP and SyncBN (``MMDistributedDataParallelAnyDevice`` passes the group),
the samplers' shares, validation's gathering; rank 0 trains, so logs and
checkpoints are written as usual. The generating ranks talk to the others
only through the cache folder and the job's key-value store
(:mod:`mmdd.distributed.long_barrier`), where they also beat
(:mod:`mmdd.distributed.heartbeat`) so that a generating rank killed
outright is noticed whatever the launcher.
"""
import copy
from typing import List

import torch.distributed as dist
from mmengine.dist import barrier
from mmengine.dist import dist as dist_ops
from mmengine.dist import get_dist_info, init_dist
from mmengine.dist import utils as dist_utils
from mmengine.logging import MMLogger, print_log
from mmengine.registry import DefaultScope, init_default_scope

from mmdd.registry import DATASETS, MODEL_WRAPPERS
from mmdd.utils.dataset_cfgs import is_synth_dataset, iter_loader_dataset_cfgs
from .heartbeat import Heartbeat, beat_interval
from .stream_config import StreamConfig

_STATE = dict(generate_ranks=None, group=None)


def split_stream_cfgs(cfg) -> List[dict]:
    """The train dataset configs that stream in split mode."""
    found = []
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmdd')):
        for dataset_cfg in iter_loader_dataset_cfgs(
                cfg, loaders=['train_dataloader']):
            if not is_synth_dataset(dataset_cfg):
                continue
            stream = StreamConfig.parse(dataset_cfg.get('stream'))
            if stream is not None and stream.mode == 'split':
                found.append(dataset_cfg)
    return found


def setup_split_ranks(cfg) -> bool:
    """Set up a split-ranks job; True on a generating rank once it has made
    its blocks (the caller then ends), False on a training rank (and in
    any job that does not stream in split mode)."""
    found = split_stream_cfgs(cfg)
    if not found:
        return False
    generate_ranks = {
        StreamConfig.parse(c['stream']).generate_ranks
        for c in found
    }
    if len(generate_ranks) > 1:
        raise ValueError(f'The streaming datasets ask for different '
                         f'generate_ranks {sorted(generate_ranks)}; give '
                         'them all the same.')
    generate_ranks = generate_ranks.pop()
    if cfg.get('launcher', 'none') == 'none':
        raise ValueError(
            f'stream mode=split (generate_ranks={generate_ranks}) needs a '
            'distributed job: bash tools/dist_train.sh CONFIG N with N > '
            "generate_ranks, or mode='interleaved' for one process.")
    _check_wrapper(cfg)
    if not dist.is_initialized():
        init_dist(cfg.launcher, **cfg.get('env_cfg', {}).get('dist_cfg', {}))
    world_size, rank = dist.get_world_size(), dist.get_rank()
    trainers = world_size - generate_ranks
    if trainers < 1:
        raise ValueError(
            f'stream mode=split with generate_ranks={generate_ranks} in a '
            f'job of {world_size} processes leaves no rank to train: launch '
            'more processes or lower generate_ranks.')
    group = dist.new_group(list(range(trainers)))  # every rank takes part
    _STATE.update(generate_ranks=generate_ranks)
    if rank >= trainers:
        _generate(cfg, found)
        return True
    _STATE.update(group=group)
    _route_mmengine_to(group)
    return False


def split_ranks_ready(generate_ranks: int) -> bool:
    """Whether :func:`setup_split_ranks` ran for this many generating
    ranks (a one-process job needs nothing)."""
    if not (dist.is_available() and dist.is_initialized()):
        return False
    return _STATE['generate_ranks'] == generate_ranks


def training_group():
    """The training ranks' process group on a training rank of a split
    job, else None (the default group)."""
    return _STATE['group']


def _check_wrapper(cfg) -> None:
    """DDP must be given the training group: mmdd's wrapper does that
    (found by its registered name; the registry imports mmdd.engine)."""
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is None:
        cfg.model_wrapper_cfg = dict(
            type='mmdd.MMDistributedDataParallelAnyDevice')
        return
    ours = MODEL_WRAPPERS.get('MMDistributedDataParallelAnyDevice')
    cls = MODEL_WRAPPERS.get(wrapper.get('type', ''))
    if not (isinstance(cls, type) and issubclass(cls, ours)):
        raise ValueError(
            f'stream mode=split trains DDP in the training ranks\' own '
            f'group, which model_wrapper_cfg type={wrapper.get("type")!r} '
            "does not know; use type='mmdd.MMDistributedDataParallelAny"
            "Device' (mmengine's DDP wrapper, given that group).")


def _route_mmengine_to(group) -> None:
    """Make ``group`` the group mmengine's collectives and rank queries use
    when given none (this process only)."""

    def get_default_group():
        return group

    dist_utils.get_default_group = get_default_group
    dist_ops.get_default_group = get_default_group
    _http_loads_in_group()


def _http_loads_in_group() -> None:
    """mmengine's ``load_from_http`` (also behind ``open-mmlab://`` and
    ``torchvision://`` weights) calls ``torch.distributed.barrier()`` on
    the whole job, which the generating ranks never join. This one does
    the same (rank 0 downloads first) with mmengine's barrier, now the
    training ranks'."""
    # mmengine.runner is heavy; only a training rank of a split job needs it
    from mmengine.runner import checkpoint
    from mmengine.utils.dl_utils import load_url

    def load_from_http(filename, map_location=None, model_dir=None,
                       progress=False):
        rank, _ = get_dist_info()
        if rank == 0:
            loaded = load_url(filename, model_dir=model_dir,
                              map_location=map_location, progress=progress)
        barrier()
        if rank > 0:
            loaded = load_url(filename, model_dir=model_dir,
                              map_location=map_location, progress=progress)
        return loaded

    checkpoint.load_from_http = load_from_http
    checkpoint.CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=load_from_http, force=True)


def _generate(cfg, dataset_cfgs: List[dict]) -> None:
    """A generating rank: build each streaming dataset (its full_init
    makes this rank's blocks), beating all along so that the training ranks
    can tell a slow generator from a dead one."""
    MMLogger.get_instance('mmdd-stream-generate', log_level='INFO')
    init_default_scope(cfg.get('default_scope', 'mmdd'))
    timeout = min(
        StreamConfig.parse(c['stream']).heartbeat_timeout
        for c in dataset_cfgs)
    with Heartbeat(beat_interval(timeout)):
        for dataset_cfg in dataset_cfgs:
            DATASETS.build(copy.deepcopy(dataset_cfg))
    print_log(f'[rank {dist.get_rank()}] generated its blocks; leaving.',
              logger='current')
