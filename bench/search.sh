#!/usr/bin/env bash
# Benchmark svmq's hyper-parameter search against scikit-learn + Optuna.
#
# Data sets: examples/digits.csv, examples/breast_cancer.csv (accuracy), and two generated
# once into bench/out/ with scikit-learn (random_state=0): generated_classification.csv
# (make_classification, 5000 x 20, accuracy) and generated_regression.csv (make_friedman1,
# 2000 x 10, R^2).  Seed 0 for both tools, 50 TPE trials, 5-fold CV, RBF kernel.  The summary
# says whether issue 3's goals are met: svmq at most 1/5 of the reference's wall time, test
# score at most 1 accuracy point (0.01 R^2) below.
#
# Usage: bench/search.sh [--quick] [--repeat N] [other bench/search.py options]
#   --quick       10 trials instead of 50
#   --repeat N    repetitions per tool (default 3; tools alternate, medians reported)
#   --trials N, --timeout S: see bench/search.py --help
#   --dataset digits|breast_cancer|generated_classification|generated_regression
#                 only this data set (repeatable; default all four)
#
# Environment:
#   SVMQ_BIN  path to an svmq binary; skips `cargo build` (e.g. SVMQ_BIN=/bin/false
#             benchmarks only the reference, svmq is reported as FAILED).
#   PYTHON    interpreter used to create the venv (default: python3).
#
# Results: printed table, plus bench/out/search-results.md.
# Exits non-zero only if the reference (scikit-learn + Optuna) fails.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"

log() { printf '[search.sh] %s\n' "$*" >&2; }
# shellcheck source=common.sh
source "$bench_dir/common.sh"

# 1. Python venv with numpy and scikit-learn (shared with engine.sh), plus Optuna.
#    scikit-learn also generates the two generated data sets.
ensure_venv
if ! "$venv_python" -c 'import optuna' >/dev/null 2>&1; then
    log "installing optuna into $bench_dir/.venv"
    "$venv_python" -m pip install --quiet --disable-pip-version-check optuna
fi

# 2. The svmq binary.
locate_svmq

# 3. The benchmark itself.
exec "$venv_python" "$bench_dir/search.py" --svmq "$svmq_bin" "$@"
