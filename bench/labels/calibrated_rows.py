"""The calibrated row of bench.labels.calibrated: each shapes model's
read-out calibrated on real scenes with exact labels
(:func:`mmdd.diffusion.calibration.calibrate`), then that row's
SynthDataset cache and its label scores on the test and held-out scenes.

Both steps are read back from a JSON file of the model's work dir when an
earlier run with the same settings finished them, as bench.labels.
beyond_labels does."""
import json
import os
import os.path as osp
import time
from typing import Dict, Optional

from bench.labels.beyond_search import (HELDOUT_SEED, BeyondRow, Pass,
                                        requests_from_scenes)

# Real calibration scenes: ``render_scene`` seeds from here on, which no
# split, config, test fixture or other benchmark uses (the seeds of
# docs/calibration.md's measurements).
CALIBRATION_SEED = 450_000


def _read_back(path: str, settings: Dict, what: str) -> Optional[Dict]:
    """The saved record at ``path`` if it was made with ``settings``
    (saying so: ``what`` names it)."""
    if not osp.isfile(path):
        return None
    with open(path) as file:
        saved = json.load(file)
    if saved['settings'] != json.loads(json.dumps(settings)):
        return None
    print(f'{what} from an earlier run ({path})')
    return saved


def _write(path: str, record: Dict) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path + '.tmp', 'w') as file:
        json.dump(record, file)
    os.replace(path + '.tmp', path)


def calibrate_model(pipeline_of, model: str, base: Dict, work: str,
                    num_images: int, steps: int, batch_size: int) -> Dict:
    """Calibrate ``model`` (starting from its config's ``base``
    generation settings) on ``num_images`` real scenes from
    :data:`CALIBRATION_SEED`; ``pipeline_of()`` loads the pipeline.
    Returns the record: ``changes`` (the calibrated fields), ``val`` /
    ``test`` label mIoU of the config's and the calibrated settings on the
    two halves of the real scenes, ``candidates``, ``passes``, ``seconds``
    and the markdown ``table`` of the calibration."""
    from mmdd.diffusion import GenerationConfig
    from mmdd.diffusion.calibration import calibrate, result_table
    from mmdd.shapes.world import SHAPES_CLASSES, render_scene
    path = osp.join(work, 'calibration.json')
    settings = dict(images=num_images, first_seed=CALIBRATION_SEED,
                    steps=steps, base=base)
    saved = _read_back(path, settings, f'{model}: calibration')
    if saved is not None:
        return saved
    start = time.time()
    scenes = [render_scene(CALIBRATION_SEED + i) for i in range(num_images)]
    result = calibrate(pipeline_of(), SHAPES_CLASSES,
                       [s.image for s in scenes], [s.label for s in scenes],
                       captions=[s.caption for s in scenes],
                       config=GenerationConfig(**base), steps=steps,
                       batch_size=batch_size)
    record = dict(settings=settings, changes=result.settings, val={
        k: v.miou
        for k, v in result.val.items()
    }, test={
        k: v.miou
        for k, v in result.test.items()
    }, candidates=result.candidates_scored, passes=result.denoiser_passes,
                  seconds=time.time() - start, table=result_table(result))
    _write(path, record)
    print(
        f'{model}: calibrated on {num_images} real scenes in '
        f'{record["seconds"]:.0f} s, {record["candidates"]} candidates: '
        f'{result.settings}', flush=True)
    return json.loads(json.dumps(record))


def calibrated_labels(pipeline_of, model: str, base: Dict, row: BeyondRow,
                      caches, records, heldout: int, batch_size: int) -> Dict:
    """Generate ``row``'s SynthDataset cache (the prompt ``records``, the
    cache's seeds, labelled with ``base`` plus ``row.changes``) and score
    its labels against the colour oracle, on those samples (``test``) and
    on ``heldout`` scenes of up to 4 objects from HELDOUT_SEED, as
    bench.labels.label_beyond scores its held-out row. ``caches`` must
    have ``row`` open. Returns the label mIoU of both (``heldout`` None
    when 0) and ``seconds``."""
    from mmdd.diffusion import SampleRequest
    from mmdd.shapes.world import SHAPES_CLASSES
    path = osp.join(caches.work, f'{row.key}_scores.json')
    settings = dict(changes=row.changes, samples=len(records), heldout=heldout,
                    base=base)
    saved = _read_back(path, settings, f'{model}: {row.key} labels')
    if saved is not None:
        return saved
    start = time.time()
    pipeline = pipeline_of()
    requests = [
        SampleRequest(r.caption, r.class_ids(SHAPES_CLASSES),
                      caches.seed() + i) for i, r in enumerate(records)
    ]
    test_pass = Pass(pipeline, base, row.changes, requests, batch_size)
    for index, (sample, label, confidence,
                _) in enumerate(test_pass.labels(row.changes)):
        caches.write(index, sample, {row.key: (label, confidence)},
                     records[index])
    record = dict(settings=settings, test=test_pass.score(row.changes).miou,
                  heldout=None)
    del test_pass
    if heldout:
        held = requests_from_scenes(heldout, HELDOUT_SEED, 4)
        record['heldout'] = Pass(pipeline, base, row.changes, held,
                                 batch_size).score(row.changes).miou
    record['seconds'] = time.time() - start
    _write(path, record)
    print(
        f'{model}: {row.key} labels, {len(records)} samples and {heldout} '
        f'held-out, {record["seconds"]:.0f} s', flush=True)
    return json.loads(json.dumps(record))
