#!/usr/bin/env bash
# GPU rehearsal on a bare machine, from the repository root, with the wheels of bench/README.md carried in .whl/: bash bench/gpu_rehearsal/gpu_rehearsal.sh OUT_DIR [gpu_rehearsal options]
set -euo pipefail; python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && PYTHONPATH="$PWD:/tmp/site" PYTHONUNBUFFERED=1 MMDD_PROGRESS=0 exec python3 -m bench.gpu_rehearsal.gpu_rehearsal --bpe .whl/bpe_simple_vocab_16e6.txt.gz --out "$1" "${@:2}"
