#!/usr/bin/env bash
# Train with GPUS processes per node:
#   bash tools/dist_train.sh CONFIG GPUS [tools/train.py flags]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT (as in mmseg).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash $0 CONFIG GPUS [tools/train.py flags]" >&2; exit 2
fi
DIR=$(dirname "$0")
exec bash "$DIR/dist_launch.sh" "$2" "$DIR/train.py" "$1" "${@:3}"
