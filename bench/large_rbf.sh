#!/usr/bin/env bash
# svmq train on a million generated rows with the RBF kernel (Nyström chosen
# automatically) against an exact RBF search on a 20,000-row sample, and Nyström and
# random Fourier features against the exact solver on 50,000 rows: wall time, peak
# memory, accuracy on the same held-out rows. One run each (the 1M run takes minutes; the
# exact 50,000-row search most of an hour).
#
# Usage: bench/large_rbf.sh [--rows N] [--sample N] [--middle N] [--exact-trials T]
#                           [--landmarks M] [--no-sklearn] [--only RUN,RUN,...]
#
# Environment: SVMQ_BIN (a built svmq; otherwise a release build), PYTHON.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"

log() { printf '[large_rbf.sh] %s\n' "$*" >&2; }
# shellcheck source=common.sh
source "$bench_dir/common.sh"

ensure_venv
"$venv_python" -c 'import scipy' >/dev/null 2>&1 ||
    "$venv_python" -m pip install --quiet --disable-pip-version-check scipy
locate_svmq
export OMP_NUM_THREADS=1
exec "$venv_python" "$bench_dir/large_rbf.py" --svmq "$svmq_bin" "$@"
