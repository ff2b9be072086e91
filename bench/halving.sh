#!/usr/bin/env bash
# svmq's search with successive halving (--fidelity halving) against the same search on
# every row (--fidelity full), and scikit-learn's HalvingRandomSearchCV, on generated
# two-class data of growing size. Medians of wall times and their ratio; held-out accuracy.
#
# Usage: bench/halving.sh [--sizes N...] [--trials T] [--folds K] [--repeat R] [--no-sklearn]
#                         [--hyperband]
#
# Environment: SVMQ_BIN (a built svmq; otherwise a release build), PYTHON.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"

log() { printf '[halving.sh] %s\n' "$*" >&2; }
# shellcheck source=common.sh
source "$bench_dir/common.sh"

ensure_venv
"$venv_python" -c 'import scipy' >/dev/null 2>&1 ||
    "$venv_python" -m pip install --quiet --disable-pip-version-check scipy
locate_svmq
export OMP_NUM_THREADS=1
exec "$venv_python" "$bench_dir/halving.py" --svmq "$svmq_bin" "$@"
