#!/usr/bin/env bash
# Benchmark the svmq engine against LIBSVM (Debian's libsvm-tools) and scikit-learn.
#
# Usage: bench/engine.sh [--quick | --exact] [--repeat N] [other bench/engine.py options]
#
# Environment:
#   SVMQ_BIN  path to an svmq binary; skips `cargo build` (e.g. SVMQ_BIN=/bin/false
#             benchmarks only the reference tools, svmq is reported as failed).
#   PYTHON    interpreter used to create the venv (default: python3).
#
# Results: printed table, plus bench/out/engine-results.md.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"

log() { printf '[engine.sh] %s\n' "$*" >&2; }
# shellcheck source=common.sh
source "$bench_dir/common.sh"

# 1. LIBSVM command-line tools (the reference).
if ! command -v svm-train >/dev/null 2>&1 || ! command -v svm-predict >/dev/null 2>&1; then
    log "LIBSVM's svm-train/svm-predict not found. Install them with:"
    log "    apt-get install -y --no-install-recommends libsvm-tools"
    if [ "$(id -u)" -eq 0 ]; then
        log "running as root: installing libsvm-tools now"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsvm-tools
    else
        log "not root: install it (sudo) and re-run"
        exit 1
    fi
fi

# 2. Python venv with numpy and scikit-learn (created once), and scikit-learn-intelex
#    (oneDAL's SVC, the fastest CPU SVM in common use) as the second reference.
ensure_venv
if ! "$venv_python" -c 'import sklearnex' >/dev/null 2>&1; then
    log "installing scikit-learn-intelex into $bench_dir/.venv"
    "$venv_python" -m pip install --quiet --disable-pip-version-check scikit-learn-intelex ||
        log "WARNING: scikit-learn-intelex could not be installed; it is left out"
fi

# 3. The svmq binary.
locate_svmq

# 4. The benchmark itself.
exec "$venv_python" "$bench_dir/engine.py" --svmq "$svmq_bin" "$@"
