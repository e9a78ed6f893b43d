"""The labelling side of the paper's ablation (bench.labels.label_ablation):
each shapes model's shipped settings, one SynthDataset cache per labelling
row, and both generation passes of a model with their scores, read back
when an earlier run finished them (``label_scores.json``)."""
import json
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np
from PIL import Image

from bench import REPO_ROOT
from bench.common.segmenter_runs import SYNTH_CONFIG
from bench.labels.ablation_rows import Row, generator_config, label_pass
from mmdd.diffusion.labelling.confusion import LabelScore

GENERATION_CONFIGS = {
    'mmdd::shapes-t2i': 'shapes_t2i.py',
    'mmdd::shapes-t2i-sd': 'shapes_t2i_sd.py',
    'mmdd::shapes-dit': 'shapes_dit.py',
}
DIT_MODELS = ('mmdd::shapes-dit', )  # with ConceptAttention rows


def model_settings(model: str) -> Dict:
    """The shipped ``synth_dataset`` block of a shapes model."""
    from mmengine.config import Config
    if model not in GENERATION_CONFIGS:
        raise SystemExit(f'--models: {model!r} is not a shapes model; use '
                         f'{", ".join(GENERATION_CONFIGS)}')
    path = osp.join(REPO_ROOT, 'configs', '_base_', 'generation',
                    GENERATION_CONFIGS[model])
    return Config.fromfile(path).synth_dataset.to_dict()


class RowCaches:
    """One SynthDataset cache per labelling row, written as SynthDataset
    would write it for that row's generation settings (manifest included),
    so training reads it through the unchanged SynthDataset path."""

    def __init__(self, work: str, model: str, settings: Dict,
                 prompts_file: str, count: int):
        self.work, self.model, self.settings = work, model, settings
        self.prompts_file, self.count = prompts_file, count
        self.datasets = {}

    def dataset_fields(self, row: Row) -> Dict:
        return dict(model=self.model, torch_dtype=self.settings['torch_dtype'],
                    generation=row.generation(self.settings['generation']),
                    cache_dir=osp.join(self.work, f'cache_{row.key}'),
                    prompts_file=self.prompts_file, num_samples=self.count)

    def open(self, rows: List[Row]) -> None:
        from mmengine.config import Config

        from mmdd.registry import DATASETS
        base = Config.fromfile(SYNTH_CONFIG).train_dataloader.dataset
        for row in rows:
            cfg = base.copy()
            cfg.update(self.dataset_fields(row), lazy_init=True)
            dataset = DATASETS.build(cfg)
            dataset.cache.prepare_folder()
            dataset.cache.ensure_manifest(*dataset.settings())
            self.datasets[row.key] = dataset

    def seed(self) -> int:
        return next(iter(self.datasets.values())).seed

    def write(self, index: int, sample, labels: Dict[str, tuple],
              record) -> None:
        for key, (label, confidence) in labels.items():
            dataset = self.datasets[key]
            dataset.cache.write_sample(
                dataset.cache.sample_id(index), sample.image, label,
                confidence, dataset.metainfo['palette'],
                dict(prompt=sample.prompt, prompt_id=record.id,
                     caption=record.caption, classes=record.classes,
                     seed=sample.seed, rank=0, provenance='label_ablation'))

    def write_oracle_masks(self, key: str, folder: str) -> None:
        """Each cached image of row ``key``, segmented by the colour
        oracle, as that cache's ``folder`` labels."""
        from mmdd.shapes.world import oracle_label
        cache = self.datasets[key].cache
        palette = self.datasets[key].metainfo['palette']
        for index in range(self.count):
            sample_id = cache.sample_id(index)
            with Image.open(cache.path('image', sample_id)) as image:
                truth = oracle_label(np.asarray(image.convert('RGB')))
            cache.write_label(folder, sample_id, truth, palette)


def label_rows(args, model: str, work: str, rows: List[Row], prompts_file: str,
               settings: Optional[Dict] = None) -> tuple:
    """Both generation passes of one model: scores and pictures.
    ``settings``: the model's ``synth_dataset`` block (default: shipped)."""
    from mmdd.datasets.synth_generation import read_prompt_records
    from mmdd.diffusion import (LabelledImageGenerator, SampleRequest,
                                load_pipeline)
    from mmdd.shapes.world import SHAPES_CLASSES
    settings = settings or model_settings(model)
    caches = RowCaches(work, model, settings, prompts_file, args.samples)
    caches.open(rows)
    scores_path = osp.join(work, 'label_scores.json')
    if osp.isfile(scores_path):  # written after both passes finished
        with open(scores_path) as file:
            saved = json.load(file)
        missing = [row.key for row in rows if row.key not in saved]
        if not missing:
            print(f'{model}: labels and caches from an earlier run '
                  f'({scores_path}; delete it to generate again)')
            return ({
                k: LabelScore(**v)
                for k, v in saved.items()
            }, None, caches)
        print(f'{model}: the earlier run has no rows {", ".join(missing)}; '
              f'generating again')
    records = read_prompt_records(prompts_file, SHAPES_CLASSES)
    pipeline = load_pipeline(model, settings['torch_dtype'], 'cpu')
    scores, pictures = {}, {}
    for appended in (False, True):
        mode_rows = [r for r in rows if r.appended == appended]
        if not mode_rows:
            continue
        generator = LabelledImageGenerator(
            pipeline, SHAPES_CLASSES,
            generator_config(mode_rows[0], settings['generation']))
        requests = [
            SampleRequest(r.caption, r.class_ids(SHAPES_CLASSES),
                          caches.seed() + i)
            for i, r in enumerate(records[:args.samples])
        ]
        start = time.time()
        mode_scores, kept = label_pass(
            generator, requests, mode_rows,
            lambda i, s, labels: caches.write(i, s, labels, records[i]),
            args.batch_size, keep=args.pictures_rows)
        scores.update(mode_scores)
        pictures[appended] = kept
        print(
            f'{model}: {len(requests)} samples, '
            f'{"appended" if appended else "caption only"}, '
            f'{time.time() - start:.0f} s', flush=True)
    with open(scores_path, 'w') as file:
        json.dump({k: vars(v) for k, v in scores.items()}, file)
    return scores, pictures, caches
