#!/usr/bin/env bash
# Evaluate on a Slurm cluster:
#   bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py flags]
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: bash $0 PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py flags]" >&2; exit 2
fi
DIR=$(dirname "$0")
exec bash "$DIR/slurm_launch.sh" "$1" "$2" "$DIR/test.py" "${@:3}"
