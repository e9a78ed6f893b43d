"""SynthDataset with an SDXL checkpoint, as a config names it."""
import json

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdd.registry import DATASETS
from tests.utils import CONFIG_DIR, synth_dataset_cfg

SDXL_VOC = (
    CONFIG_DIR / 'dd' / 'dd_deeplabv3_r101-d8_4xb2-20k_synvoc-sdxl-512x512.py')


@pytest.mark.slow
def test_generates_with_a_tiny_sdxl(tiny_sdxl_dir, toy_prompts_file, tmp_path):
    init_default_scope('mmdd')
    dataset = DATASETS.build(
        synth_dataset_cfg(
            str(tiny_sdxl_dir), toy_prompts_file, str(tmp_path / 'cache'),
            num_samples=3))
    assert len(dataset) == 3
    label = dataset[2]['data_samples'].gt_sem_seg.data
    assert label.shape == (1, 128, 128)  # SDXL tiny's native size
    assert set(np.unique(label.numpy())) <= {0, 1, 2, 255}
    manifest = json.loads((tmp_path / 'cache' / 'manifest.json').read_text())
    # Known by content (text_encoder_2 and tokenizer_2 included), and
    # where it came from.
    assert manifest['settings']['model'].startswith('sha256:')
    assert manifest['sources']['model'] == str(tiny_sdxl_dir)
    assert any('text_encoder_2' in name
               for name in manifest['sources']['model_files'])


def test_voc_sdxl_config_generates_1024_and_crops_512():
    cfg = Config.fromfile(str(SDXL_VOC))
    synth = cfg.train_dataloader.dataset
    assert synth.model == 'stabilityai/stable-diffusion-xl-base-1.0'
    assert (synth.generation.height, synth.generation.width) == (1024, 1024)
    assert synth.cache_dir != 'data/gen_voc'  # never mixed with SD samples
    assert synth.num_samples == 40000 and synth.torch_dtype == 'fp16'
    assert cfg.crop_size == (512, 512)
    crops = [t for t in synth.pipeline if t.type == 'RandomCrop']
    assert crops[0].crop_size == (512, 512)
    assert cfg.model.backbone.depth == 101
