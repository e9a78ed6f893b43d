"""A finished grid run is read back only when its settings match."""
import json

from bench.common.segmenter_runs import SegmenterRun, run_all


def test_a_finished_run_is_read_back_not_trained_again(tmp_path):
    run = SegmenterRun('configs/shapes/x.py', str(tmp_path / 'run'), 150,
                       str(tmp_path / 'data'), {'tau': 4}, seed=1)
    assert run.saved_miou() is None
    (tmp_path / 'run').mkdir()
    with open(run.result_file, 'w') as file:
        json.dump(dict(run=run.__dict__, mIoU=71.5), file)
    assert run.saved_miou() == 71.5
    # the config does not exist: training would fail, so these are reads
    assert run_all([run, run], workers=1) == [71.5, 71.5]


def test_a_run_with_other_settings_is_not_taken_for_it(tmp_path):
    run = SegmenterRun('configs/shapes/x.py', str(tmp_path / 'run'), 150,
                       str(tmp_path / 'data'), {'tau': 4}, seed=1)
    (tmp_path / 'run').mkdir()
    with open(run.result_file, 'w') as file:
        json.dump(dict(run=run.__dict__, mIoU=71.5), file)
    for other in (SegmenterRun(run.config, run.work_dir, 600, run.data_root,
                               {'tau': 4}, seed=1),
                  SegmenterRun(run.config, run.work_dir, 150, run.data_root,
                               {'tau': 1}, seed=1)):
        assert other.saved_miou() is None
