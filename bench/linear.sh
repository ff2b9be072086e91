#!/usr/bin/env bash
# Benchmark svmq's linear solver (dual coordinate descent) against LIBLINEAR on one
# generated 500 000 x 50 two-class set: median fit times as a ratio, held-out accuracy.
#
# Usage: bench/linear.sh [--repeat N] [--c C] [--loss l2 l1] [other bench/linear.py options]
#
# Environment:
#   LINEAR_FIT  path to a built `linear_fit` example of svmq-core; skips `cargo build`.
#   PYTHON      interpreter used to create the venv (default: python3).
#
# Results: printed, plus bench/out/linear-results.md.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"

log() { printf '[linear.sh] %s\n' "$*" >&2; }
# shellcheck source=common.sh
source "$bench_dir/common.sh"

# 1. Python venv with numpy (created once), and LIBLINEAR's own Python package.
ensure_venv
if ! "$venv_python" -c 'import liblinear.liblinearutil, scipy' >/dev/null 2>&1; then
    log "installing liblinear-official into $bench_dir/.venv"
    "$venv_python" -m pip install --quiet --disable-pip-version-check 'liblinear-official>=2.47,<3' scipy
fi

# 2. svmq's side: the linear_fit example, release build.
if [ -n "${LINEAR_FIT:-}" ]; then
    linear_fit="$LINEAR_FIT"
    log "using LINEAR_FIT=$linear_fit (no build)"
else
    log "building: cargo build --release -p svmq-core --example linear_fit"
    (cd "$repo_root" && cargo build --release -p svmq-core --example linear_fit)
    linear_fit="${CARGO_TARGET_DIR:-$repo_root/target}/release/examples/linear_fit"
fi

# 3. The benchmark, one thread on each side.
export OMP_NUM_THREADS=1
exec "$venv_python" "$bench_dir/linear.py" --svmq-example "$linear_fit" "$@"
