import pytest

from mmdd.shapes.t2i import TrainSettings

# A few steps of each stage: enough to exercise training and saving.
QUICK = dict(num_scenes=32, vae_steps=3, vae_batch_size=4, steps=4,
             batch_size=4, warmup_steps=2)


@pytest.fixture(scope='session')
def quick_t2i_dir(tmp_path_factory):
    from mmdd.shapes.t2i import train
    out = tmp_path_factory.mktemp('t2i') / 'shapes-t2i'
    return train(
        TrainSettings(**QUICK), out, save_every=2, log_fn=lambda line: None)
