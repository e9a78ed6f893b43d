"""StreamSampler on 2 ranks (gloo): both draw from the set the first rank
to start a round listed, so their shares tile each round exactly, and
neither waits for the other."""
import datetime
import json
import multiprocessing
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

BLOCKS = [range(0, 2), range(2, 4), range(4, 6)]


class GrowingStream:
    """A cache whose complete blocks grow with each listing (rank 0), or
    that is already complete (rank 1, which starts later)."""

    def __init__(self, views):
        self.blocks = BLOCKS
        self.views = views

    def complete_blocks(self):
        return self.views.pop(0) if len(self.views) > 1 else self.views[0]

    def ready_indices(self, blocks):
        return [i for k in sorted(blocks) for i in BLOCKS[k]]


class FakeDataset:

    def __init__(self, views):
        self.stream = GrowingStream(views)
        self.cache = SimpleNamespace(root='fake')

    def __len__(self):
        return 6


def _worker(rank: int, port: int, out_dir: str) -> None:
    import itertools

    import torch.distributed as dist

    from mmdd.datasets import StreamSampler
    store = dist.TCPStore('127.0.0.1', port, 2, rank == 0,
                          timeout=datetime.timedelta(seconds=120))
    dist.init_process_group('gloo', store=store, rank=rank, world_size=2)
    if rank == 1:
        time.sleep(2)  # rank 0 starts every round first
        views = [{0, 1, 2}]
    else:
        views = [{0}, {0, 1}, {0, 1, 2}]
    sampler = StreamSampler(FakeDataset(views), seed=5)
    drawn = list(itertools.islice(iter(sampler), 12))
    Path(out_dir, f'{rank}.json').write_text(json.dumps(drawn))
    dist.barrier()


@pytest.mark.slow
def test_ranks_draw_from_one_listing_and_tile_each_round(tmp_path, free_port):
    context = multiprocessing.get_context('spawn')
    procs = [
        context.Process(target=_worker, args=(rank, free_port, str(tmp_path)))
        for rank in range(2)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    first, second = (
        json.loads((tmp_path / f'{rank}.json').read_text())
        for rank in range(2))
    merged = [i for pair in zip(first, second) for i in pair]
    # Rounds as rank 0 listed them: block 0, blocks 0-1, then all blocks.
    assert sorted(merged[:2]) == [0, 1]
    assert sorted(merged[2:6]) == [0, 1, 2, 3]
    assert sorted(merged[6:12]) == [0, 1, 2, 3, 4, 5]
    assert sorted(merged[12:18]) == [0, 1, 2, 3, 4, 5]
