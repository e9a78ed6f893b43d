#!/usr/bin/env bash
# Shared by dist_train.sh, dist_test.sh and dist_generate.sh:
#   bash tools/dist_launch.sh NPROC SCRIPT [SCRIPT args]
# Starts NPROC processes per node with torch.distributed.run; SCRIPT gets
# --launcher pytorch. Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT.
set -euo pipefail
NPROC=$1
SCRIPT=$2
shift 2
PYTHON=${PYTHON:-python}
PYTHONPATH="$(dirname "$0")/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" \
    "$SCRIPT" "$@" --launcher pytorch
