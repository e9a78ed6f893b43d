from mmdd.utils.progress import process_rank, progress_bar


def test_rank_zero_draws_other_ranks_do_not(monkeypatch):
    monkeypatch.setenv('RANK', '0')
    monkeypatch.delenv('MMDD_PROGRESS', raising=False)
    assert process_rank() == 0
    assert not progress_bar(range(3)).disable
    monkeypatch.setenv('RANK', '1')
    assert progress_bar(range(3)).disable
    assert list(progress_bar(range(3))) == [0, 1, 2]  # still iterates


def test_environment_turns_bars_off(monkeypatch):
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('MMDD_PROGRESS', '0')
    assert progress_bar(total=2).disable


def test_a_bar_does_not_import_torch():
    # The prompt tools draw bars without ever needing torch.
    import subprocess
    import sys
    code = ('import sys\nfrom mmdd.utils.progress import progress_bar\n'
            'assert list(progress_bar(range(2))) == [0, 1]\n'
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ['False']
