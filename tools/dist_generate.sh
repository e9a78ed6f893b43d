#!/usr/bin/env bash
# Generate a config's synthetic dataset with GPUS processes per node:
#   bash tools/dist_generate.sh CONFIG GPUS [tools/generate.py flags]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT (as dist_train.sh).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash $0 CONFIG GPUS [tools/generate.py flags]" >&2; exit 2
fi
DIR=$(dirname "$0")
exec bash "$DIR/dist_launch.sh" "$2" "$DIR/generate.py" "$1" "${@:3}"
