"""long_barrier: ranks that finish early wait out a late one however long
it takes, where a plain barrier trips the process-group timeout (gloo)."""
import datetime
import multiprocessing
import time
from pathlib import Path

import pytest

PG_TIMEOUT_S = 5


def _worker(rank: int, port: int, late_s: float, use_long_barrier: bool,
            out_dir: str, fail: bool = False) -> None:
    import torch
    import torch.distributed as dist

    from mmdd.distributed.failures import announce_failure
    from mmdd.distributed.long_barrier import long_barrier

    # A patient rendezvous (a loaded machine starts processes slowly), then
    # collectives that time out after PG_TIMEOUT_S.
    store = dist.TCPStore('127.0.0.1', port, 2, rank == 0,
                          timeout=datetime.timedelta(seconds=120))
    dist.init_process_group('gloo', store=store, rank=rank, world_size=2,
                            timeout=datetime.timedelta(seconds=PG_TIMEOUT_S))
    try:
        if rank == 1:
            time.sleep(late_s)  # e.g. a slow GPU still generating
            if fail:
                announce_failure('rank 1: CUDA out of memory')
                raise SystemExit(1)
        if use_long_barrier:
            long_barrier('test', log_every=2)
        else:
            dist.barrier()
        total = torch.ones(1)
        dist.all_reduce(total)  # the process group still works afterwards
        outcome = f'ok {total.item():.0f}'
    except Exception as err:  # the plain barrier's timeout
        outcome = f'error {type(err).__name__}: {err}'
    Path(out_dir, f'{rank}.txt').write_text(outcome)


def _run(port: int, late_s: float, use_long_barrier: bool, out_dir: Path,
         fail: bool = False) -> dict:
    context = multiprocessing.get_context('spawn')
    procs = [
        context.Process(
            target=_worker,
            args=(rank, port, late_s, use_long_barrier, str(out_dir), fail))
        for rank in range(2)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=late_s + 60)
        if proc.is_alive():
            proc.kill()
            proc.join()
    return {
        rank: (out_dir / f'{rank}.txt').read_text()
        for rank in range(2) if (out_dir / f'{rank}.txt').exists()
    }


@pytest.mark.slow
def test_a_rank_20_s_late_is_waited_for(free_port, tmp_path):
    outcome = _run(free_port, PG_TIMEOUT_S + 15, True, tmp_path)
    assert outcome == {0: 'ok 2', 1: 'ok 2'}


@pytest.mark.slow
@pytest.mark.parametrize('late_s', [PG_TIMEOUT_S + 5])
def test_a_plain_barrier_would_time_out(free_port, tmp_path, late_s):
    """The same setting with torch's barrier: the early rank fails."""
    outcome = _run(free_port, late_s, False, tmp_path)
    assert outcome.get(0, '').startswith('error'), outcome


@pytest.mark.slow
def test_the_waiting_ranks_stop_when_one_fails(free_port, tmp_path):
    """No endless wait for a rank that crashed."""
    outcome = _run(free_port, 3, True, tmp_path, fail=True)
    assert outcome[0].startswith('error RuntimeError')
    assert 'another rank failed (rank 1: CUDA out of memory)' in outcome[0]
