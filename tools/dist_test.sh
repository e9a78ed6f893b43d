#!/usr/bin/env bash
# Evaluate with GPUS processes per node:
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.py flags]
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bash $0 CONFIG CHECKPOINT GPUS [tools/test.py flags]" >&2; exit 2
fi
DIR=$(dirname "$0")
exec bash "$DIR/dist_launch.sh" "$3" "$DIR/test.py" "$1" "$2" "${@:4}"
