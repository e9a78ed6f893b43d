#!/usr/bin/env bash
# Make (or refresh) the virtualenv that `make demo` and `make test` use.
#
# mmcv comes in one of two flavours, chosen by MMDD_MMCV:
#   lite  mmcv-lite 2.1.0 from PyPI: pure Python, installs in seconds.
#         mmseg imports mmcv.ops at module level, so a stand-in for mmcv's
#         compiled extension goes into site-packages
#         (mmdd/compat/mmcv_ops_stub.py): the imports succeed, and a compiled
#         op, if one is ever called, fails naming MMDD_MMCV=full. mmdd's own
#         models, configs and tests use no compiled op.
#   full  mmcv 2.1.0 with its compiled ops (PSANet, deformable convolutions,
#         the focal loss on GPUs, mmdet heads). PyPI has no mmcv wheel, so
#         it is built once (about 17 min on 2 cores) and the wheel cached
#         outside the checkout, keyed on Python, torch and CUDA versions.
# Default: full where a CUDA GPU is visible (nvidia-smi lists one), lite
# elsewhere.
#
# Environment: MMDD_MMCV (lite | full), MMDD_VENV (default .venv), PYTHON
# (default python3), MMDD_CACHE (default ~/.cache/mmdd), TORCH_SPEC (default
# torch==2.13.0, the CPU build the CI machine holds; use e.g. 'torch==2.4.1'
# for a CUDA box: the torch and torchvision pins are then left to pip).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MMDD_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
CACHE=${MMDD_CACHE:-$HOME/.cache/mmdd}
DEFAULT_TORCH=torch==2.13.0
TORCH_SPEC=${TORCH_SPEC:-$DEFAULT_TORCH}
MMCV_VERSION=2.1.0

log() { echo "[mmdd install] $*"; }
started=$SECONDS

if [ -z "${MMDD_MMCV:-}" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    MMDD_MMCV=full
  else
    MMDD_MMCV=lite
  fi
fi
case "$MMDD_MMCV" in
  lite | full) ;;
  *) log "MMDD_MMCV=$MMDD_MMCV: use lite (pure-Python mmcv-lite) or full (compiled mmcv)"; exit 2 ;;
esac

# Which mmcv the virtualenv holds: full, lite (mmcv-lite + mmdd's stand-in) or none.
mmcv_flavour() {
  "$VENV/bin/python" - <<'EOF' 2>/dev/null || echo none
try:
    import mmcv._ext as ext
except ImportError:
    print('none')
else:
    print('lite' if getattr(ext, 'IS_MMDD_STUB', False) else 'full')
EOF
}

# Skip everything when nothing that decides the environment has changed.
STAMP="$VENV/.mmdd-install-stamp"
fingerprint=$(cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" \
  "$ROOT/mmdd/compat/site_shims.py" "$ROOT"/mmdd/compat/*_ops_stub.py | sha256sum | cut -d' ' -f1)
fingerprint="$fingerprint $TORCH_SPEC mmcv-$MMDD_MMCV"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ] && \
   [ "$(mmcv_flavour)" = "$MMDD_MMCV" ] && "$VENV/bin/python" -c 'import mmdd' 2>/dev/null; then
  log "environment $VENV is up to date (mmcv: $MMDD_MMCV)"
  exit 0
fi

[ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PYTHON" -m venv "$VENV"; }
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check)

# The pinned set; with another torch, pip picks the torchvision that matches it.
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
if [ "$TORCH_SPEC" = "$DEFAULT_TORCH" ]; then
  cp "$ROOT/requirements/constraints.txt" "$constraints"
else
  grep -v -E '^(torch|torchvision)==' "$ROOT/requirements/constraints.txt" > "$constraints"
fi

# Both flavours install into the same mmcv/ folder: remove the other one first.
other=$([ "$MMDD_MMCV" = lite ] && echo mmcv || echo mmcv-lite)
if "$PY" -m pip show -q "$other" >/dev/null 2>&1; then
  log "removing $other (switching to MMDD_MMCV=$MMDD_MMCV)"
  "$PY" -m pip uninstall -y -q mmcv mmcv-lite
fi

if [ "$MMDD_MMCV" = lite ]; then
  mmcv_req=("mmcv-lite==$MMCV_VERSION")
elif [ "$(mmcv_flavour)" = full ]; then
  log "mmcv with compiled ops already installed"
  mmcv_req=()
else
  log "build tools and $TORCH_SPEC"
  "${PIP[@]}" -q "$TORCH_SPEC" 'setuptools<81' wheel ninja psutil numpy packaging
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
  mmcv_req=("$wheel")
fi

# One resolver run: torch, mmcv, mmdd (editable) with its runtime, optional
# (mmpretrain), test and lint requirements, and openmim's real needs
# (openmim itself comes next, without its openxlab, which downgrades
# setuptools and more).
# pip byte-compiles what it installs on one core; compileall uses them all.
log "$TORCH_SPEC, mmcv ($MMDD_MMCV), mmdd (editable) and its requirements"
"${PIP[@]}" -q --no-compile -c "$constraints" "$TORCH_SPEC" ${mmcv_req[@]+"${mmcv_req[@]}"} \
  -e "$ROOT[tests,lint,optional]" -r <(grep -v '^openmim' "$ROOT/requirements/mim.txt")
"${PIP[@]}" -q --no-compile --no-deps openmim
log "byte-compiling site-packages"
# Exit status 1 only means some file did not compile (test data, Python 2 code).
"$PY" -m compileall -q -j 0 "$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null || true

# The stand-ins mmdd puts into site-packages (mmdd/compat/site_shims.py says why).
"$PY" -m mmdd.compat.site_shims "$MMDD_MMCV"

"$PY" -c 'import mmdd, mmseg.models, mmpretrain.models; print("mmdd", mmdd.__version__, "ready")'
[ "$(mmcv_flavour)" = "$MMDD_MMCV" ] || { log "expected mmcv $MMDD_MMCV, found $(mmcv_flavour)"; exit 1; }
echo "$fingerprint" > "$STAMP"
log "done in $((SECONDS - started)) s (mmcv: $MMDD_MMCV; MMDD_MMCV=full installs the compiled one)"
