#!/usr/bin/env bash
# Set up (or check) the virtual environment of mmseg-dplnet. Idempotent: a
# step whose result is already there is skipped, so a second run installs
# nothing.
#
#   bash tools/misc/setup_env.sh [VENV]          (default VENV: .venv)
#
# Steps: python venv -> uv -> torch 2.13.0 + torchvision 0.28.0 (kept as they
# are when VENV already has a torch, e.g. your own CUDA build) -> mmcv 2.1.0
# with compiled ops (built from source once, ~8-15 min on 2 cores, then
# cached as a wheel in $MMSEG_DPLNET_CACHE, default ~/.cache/mmseg-dplnet)
# -> mmengine, mmsegmentation, mmpretrain and the other requirements ->
# `-e .`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${1:-$ROOT/.venv}
case $VENV in /*) ;; *) VENV=$PWD/$VENV ;; esac
CACHE=${MMSEG_DPLNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmseg-dplnet}
TORCH_VERSION=2.13.0
TORCHVISION_VERSION=0.28.0
MMCV_VERSION=2.1.0
PY=$VENV/bin/python

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }
# run from / so that the checkout itself is not importable from the cwd
has() { (cd / && "$PY" -c "$1" >/dev/null 2>&1); }
uv_install() { "$VENV/bin/uv" pip install --quiet --python "$PY" "$@"; }

# 1. virtual environment --------------------------------------------------
if [ ! -x "$PY" ]; then
  say "creating the virtual environment $VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed: install python3 (>=3.8) with venv"
fi
if [ ! -x "$VENV/bin/uv" ]; then
  say "installing uv (fast installer) into $VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check uv
fi

# 2. torch ------------------------------------------------------------------
if has 'import torch'; then
  say "torch $("$PY" -c 'import torch; print(torch.__version__)') present: kept as it is"
else
  say "installing torch==$TORCH_VERSION and torchvision==$TORCHVISION_VERSION (about 4.6 GB)"
  uv_install "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi
if ! has 'import torchvision'; then
  torch_version=$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')
  [ "$torch_version" = "$TORCH_VERSION" ] || die "torchvision is missing; install the torchvision \
build that matches your torch $torch_version (mmpretrain needs it), then run this again"
  say "installing torchvision==$TORCHVISION_VERSION"
  uv_install "torchvision==$TORCHVISION_VERSION"
fi

# 3. mmcv with compiled ops ------------------------------------------------
if has 'import mmcv, mmcv.ops'; then
  say "mmcv $("$PY" -c 'import mmcv; print(mmcv.__version__)') with compiled ops present"
else
  uv_install "setuptools>=77,<81" wheel ninja
  tag=$("$PY" - <<'PYEOF'
import sys
import torch
cuda = torch.cuda.is_available() and torch.version.cuda
device = 'cu' + torch.version.cuda.replace('.', '') if cuda else 'cpu'
print(f"torch{torch.__version__.split('+')[0]}-{device}-"
      f'cp{sys.version_info.major}{sys.version_info.minor}')
PYEOF
)
  wheel_dir=$CACHE/wheels/mmcv-$MMCV_VERSION-$tag
  wheel=$(ls "$wheel_dir"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    jobs=$(nproc 2>/dev/null || echo 2)
    log=$CACHE/mmcv-build-$tag.log
    mkdir -p "$wheel_dir"
    say "building mmcv $MMCV_VERSION with ops from source ($tag, $jobs jobs)."
    say "This is done once and takes about 8-15 minutes on 2 cores; the wheel is then cached in"
    say "$wheel_dir. Full log: $log"
    start=$(date +%s)
    # --no-cache-dir: pip's own wheel cache does not know which torch a wheel
    # was compiled against, so it could hand back a build for another torch.
    MMCV_WITH_OPS=1 MAX_JOBS=$jobs "$PY" -m pip wheel --no-build-isolation --no-deps \
      --no-cache-dir --disable-pip-version-check -v "mmcv==$MMCV_VERSION" -w "$wheel_dir" \
      >"$log" 2>&1 &
    build_pid=$!
    while kill -0 "$build_pid" 2>/dev/null; do
      sleep 30
      step=$(grep -o '\[[0-9]*/[0-9]*\]' "$log" | tail -n 1 || true)
      say "  mmcv build: ${step:-preparing} compiled, $(( ($(date +%s) - start) / 60 )) min elapsed"
    done
    wait "$build_pid" || { tail -n 40 "$log" >&2; die "the mmcv build failed; see $log"; }
    wheel=$(ls "$wheel_dir"/mmcv-"$MMCV_VERSION"-*.whl | head -n 1)
    say "mmcv built in $(( ($(date +%s) - start) / 60 )) min: $wheel"
  else
    say "installing the cached mmcv wheel $wheel"
  fi
  uv_install "$wheel"
  has 'import mmcv.ops' || die "mmcv installed but mmcv.ops does not import; delete $wheel_dir and retry"
fi

# 4. OpenMMLab stack, test tools, this package ------------------------------
# The requirements are synced on every run (uv installs nothing when they
# hold), so a requirement added later reaches an existing venv too.
say "checking mmengine, mmsegmentation, mmpretrain and the other requirements"
uv_install "setuptools>=77,<81" wheel -r "$ROOT/requirements/runtime.txt" \
  -r "$ROOT/requirements/tests.txt" -r "$ROOT/requirements/deploy.txt"
if has 'import mmseg_dplnet'; then
  say "mmseg-dplnet present"
else
  say "installing mmseg-dplnet (-e .)"
  uv_install --no-build-isolation -e "$ROOT"
fi
(cd / && "$PY" -) <<'PYEOF'
import mmcv, mmengine, mmseg, mmpretrain.models, torch  # noqa: F401
import mmseg_dplnet
print(f'[setup] ready: torch {torch.__version__}, mmcv {mmcv.__version__}, '
      f'mmengine {mmengine.__version__}, mmseg {mmseg.__version__}, '
      f'mmseg-dplnet {mmseg_dplnet.__version__}')
PYEOF
