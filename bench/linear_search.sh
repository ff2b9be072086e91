#!/usr/bin/env bash
# Benchmark `svmq train --kernel linear` (a search of T trials x K folds) on one generated
# 500 000 x 50 two-class set against LIBLINEAR running the same fits one by one: the
# ratio of svmq's time to the sum of LIBLINEAR's training calls.
#
# Usage: bench/linear_search.sh [--trials 20] [--folds 3] [--svmq-threads 1] [other bench/linear_search.py options]
#
# Environment:
#   SVMQ_BIN  path to a built svmq binary; skips `cargo build`.
#   PYTHON    interpreter used to create the venv (default: python3).
#
# Results: printed, plus bench/out/linear-search-results.md.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"

log() { printf '[linear_search.sh] %s\n' "$*" >&2; }
# shellcheck source=common.sh
source "$bench_dir/common.sh"

ensure_venv
if ! "$venv_python" -c 'import liblinear.liblinearutil, scipy' >/dev/null 2>&1; then
    log "installing liblinear-official into $bench_dir/.venv"
    "$venv_python" -m pip install --quiet --disable-pip-version-check 'liblinear-official>=2.47,<3' scipy
fi
locate_svmq

export OMP_NUM_THREADS=1
exec "$venv_python" "$bench_dir/linear_search.py" --svmq "$svmq_bin" "$@"
