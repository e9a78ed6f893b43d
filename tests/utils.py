"""Plain helpers that test modules import (fixtures stay in conftest.py,
which pytest loads by itself and no module should import)."""
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional

from mmdd.testing.toy_classes import TOY_CLASSES, TOY_PALETTE

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_script(path: Path, name: Optional[str] = None) -> ModuleType:
    """A script of tools/ (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(
        name or Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONFIG_DIR = REPO_ROOT / 'configs'
DEMO_CONFIG = (
    CONFIG_DIR / 'demo' / 'deeplabv3_r18-d8_1xb4-0.08k_toyshapes-64x64.py')


def point_dataloaders_at(cfg, data_root: str) -> None:
    """Make every dataloader of ``cfg`` read ``data_root``."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if key in cfg:
            _set_data_root(cfg[key].dataset, data_root)


def _set_data_root(dataset_cfg, data_root: str) -> None:
    from mmdd.utils.dataset_cfgs import is_wrapper, iter_dataset_cfgs
    for leaf in iter_dataset_cfgs(dataset_cfg):
        if not is_wrapper(leaf):
            leaf.data_root = data_root


def synth_dataset_cfg(model: str, prompts_file: str, cache_dir: str,
                      **overrides) -> dict:
    """A small SynthDataset config over the toy classes (CPU, fp32)."""
    cfg = dict(
        type='SynthDataset', cache_dir=cache_dir, prompts_file=prompts_file,
        model=model, num_samples=5, seed=1111, batch_size=2,
        torch_dtype='fp32', generation=dict(num_inference_steps=2),
        metainfo=dict(classes=TOY_CLASSES, palette=TOY_PALETTE), pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')
        ])
    cfg.update(overrides)
    return cfg


def mmseg_config(name: str):
    """One of mmseg's own configs (``psanet/psanet_r50-...py``), read from
    the installed package as ``_base_ = ['mmseg::...']`` would."""
    import mmseg
    from mmengine.config import Config
    return Config.fromfile(
        str(Path(mmseg.__file__).parent / '.mim' / 'configs' / name))


def isolate_runner(cfg, work_dir) -> None:
    """Give a test's Runner its own work dir and visualizer: mmengine keeps
    visualizers by name for the whole process, so a second Runner would
    otherwise log into the first one's folder."""
    cfg.work_dir = str(work_dir)
    cfg.visualizer.name = f'visualizer-{work_dir}'


def logged_messages(action) -> list:
    """Run ``action()`` and return what it logged through mmengine's
    current logger (``print_log(..., logger='current')``)."""
    import logging

    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        action()
    finally:
        logger.removeHandler(handler)
    return [record.getMessage() for record in records]


def run_python(code: str) -> str:
    """``code`` run in a fresh interpreter from the repo root (what a
    first import loads can only be seen there); its stdout."""
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout
