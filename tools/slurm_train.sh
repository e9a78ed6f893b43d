#!/usr/bin/env bash
# Train on a Slurm cluster:
#   [GPUS=8 GPUS_PER_NODE=8] bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [tools/train.py flags]
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bash $0 PARTITION JOB_NAME CONFIG [tools/train.py flags]" >&2; exit 2
fi
DIR=$(dirname "$0")
exec bash "$DIR/slurm_launch.sh" "$1" "$2" "$DIR/train.py" "${@:3}"
