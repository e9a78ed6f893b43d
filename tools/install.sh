#!/usr/bin/env bash
# Make (or refresh) the virtualenv that `make demo` and `make test` use.
#
# PyPI has no mmcv wheel, and building mmcv 2.1.0 with its ops takes about
# 17 minutes on 2 cores, so the built wheel is cached outside the checkout,
# keyed on Python, torch and mmcv versions: later runs, fresh clones
# included, install it in seconds.
#
# Environment: MMDD_VENV (default .venv), PYTHON (default python3),
# MMDD_CACHE (default ~/.cache/mmdd), TORCH_SPEC (default torch==2.13.0,
# the CPU build the CI machine holds; use e.g. 'torch==2.4.1' for a CUDA box).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MMDD_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
CACHE=${MMDD_CACHE:-$HOME/.cache/mmdd}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
MMCV_VERSION=2.1.0

log() { echo "[mmdd install] $*"; }

# Skip everything when nothing that decides the environment has changed.
STAMP="$VENV/.mmdd-install-stamp"
fingerprint=$(cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" | sha256sum | cut -d' ' -f1)
fingerprint="$fingerprint $TORCH_SPEC"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ] && \
   "$VENV/bin/python" -c 'import mmdd, mmcv._ext' 2>/dev/null; then
  log "environment $VENV is up to date"
  exit 0
fi

[ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PYTHON" -m venv "$VENV"; }
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check)

log "build tools and $TORCH_SPEC"
"${PIP[@]}" -q "$TORCH_SPEC" 'setuptools<81' wheel ninja psutil numpy packaging

if "$PY" -c 'import mmcv._ext' 2>/dev/null; then
  log "mmcv with ops already installed"
else
  key=$("$PY" -c 'import sys, torch; v = sys.version_info; print("py%d%d-torch%s-cuda%s" % (v[0], v[1], torch.__version__.split("+")[0], torch.version.cuda or 0))')-mmcv$MMCV_VERSION
  wheel_dir="$CACHE/wheels/$key"
  wheel=$(ls "$wheel_dir"/mmcv-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    log "no cached mmcv wheel for $key: building mmcv $MMCV_VERSION (about 17 min on 2 cores)"
    build_dir=$(mktemp -d)
    MMCV_WITH_OPS=1 FORCE_CUDA=${FORCE_CUDA:-0} MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "$PY" -m pip wheel --disable-pip-version-check --no-build-isolation --no-deps \
      "mmcv==$MMCV_VERSION" -w "$build_dir"
    mkdir -p "$wheel_dir"
    built=$(ls "$build_dir"/mmcv-*.whl)
    # Copy then rename: an interrupted copy never looks like a cached wheel.
    cp "$built" "$wheel_dir/.partial" && mv "$wheel_dir/.partial" "$wheel_dir/$(basename "$built")"
    rm -rf "$build_dir"
    wheel="$wheel_dir/$(basename "$built")"
  else
    log "using cached $wheel"
  fi
  "${PIP[@]}" -q -c "$ROOT/requirements/constraints.txt" "$wheel"
fi

log "mmdd (editable) with its runtime, test and lint requirements"
"${PIP[@]}" -q -c "$ROOT/requirements/constraints.txt" -e "$ROOT[tests,lint]"

# openmim's own dependency list pulls openxlab, which downgrades setuptools.
log "openmim without openxlab"
"${PIP[@]}" -q --no-deps openmim
grep -v '^openmim' "$ROOT/requirements/mim.txt" | "${PIP[@]}" -q -c "$ROOT/requirements/constraints.txt" -r /dev/stdin

"$PY" -c 'import mmdd, mmcv._ext, mmseg.models; print("mmdd", mmdd.__version__, "ready")'
echo "$fingerprint" > "$STAMP"
