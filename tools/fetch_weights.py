"""Download every checkpoint a config loads, ahead of time.

    python tools/fetch_weights.py configs/dd_voc.py

Run it on a machine with internet: the ImageNet backbone weights
(``pretrained``, ``init_cfg`` checkpoints) and ``load_from`` land in
mmengine's checkpoint cache (``$TORCH_HOME/hub/checkpoints``, default
``~/.cache/torch/hub/checkpoints``). Copy that folder to an offline cluster;
training there then loads them without a network (docs/get_started.md).
"""
import argparse

from mmengine.runner import CheckpointLoader

from mmdd.engine.preflight import (cached_checkpoint, checkpoint_uris,
                                   checkpoint_url)
from mmdd.utils import register_all_modules
from mmdd.utils.cli import add_runner_args, load_config


def main() -> None:
    register_all_modules(init_default_scope=False)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config whose weights to download')
    add_runner_args(parser)
    cfg = load_config(parser.parse_args())
    uris = checkpoint_uris(cfg)
    if not uris:
        print(f'{cfg.filename} loads no checkpoint; nothing to fetch.')
    for where, uri in uris:
        url = checkpoint_url(uri)
        if url is None:
            print(f'{where}: {uri} is a local file; copy it yourself.')
            continue
        CheckpointLoader.load_checkpoint(uri, map_location='cpu')
        print(f'{where}: {uri} -> {cached_checkpoint(url)}')


if __name__ == '__main__':
    main()
