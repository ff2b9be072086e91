#!/usr/bin/env bash
# Benchmark the svmq engine against LIBSVM (Debian's libsvm-tools) and scikit-learn.
#
# Usage: bench/engine.sh [--quick] [--repeat N] [other bench/engine.py options]
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
venv_dir="$bench_dir/.venv"

log() { printf '[engine.sh] %s\n' "$*" >&2; }

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

# 2. Python venv with numpy and scikit-learn (created once).
venv_python="$venv_dir/bin/python"
if ! [ -x "$venv_python" ] || ! "$venv_python" -c 'import numpy, sklearn' >/dev/null 2>&1; then
    log "creating Python venv at $venv_dir (numpy, scikit-learn)"
    "${PYTHON:-python3}" -m venv "$venv_dir"
    "$venv_python" -m pip install --quiet --disable-pip-version-check numpy scikit-learn
fi

# 3. The svmq binary.
if [ -n "${SVMQ_BIN:-}" ]; then
    svmq_bin="$SVMQ_BIN"
    log "using SVMQ_BIN=$svmq_bin (no build)"
else
    svmq_bin="${CARGO_TARGET_DIR:-$repo_root/target}/release/svmq"
    log "building svmq: cargo build --release -p svmq"
    if ! (cd "$repo_root" && cargo build --release -p svmq); then
        # Keep going: engine.py reports svmq as failed and still benchmarks the references.
        log "WARNING: svmq build failed; benchmarking the reference tools only"
    fi
fi

# 4. The benchmark itself.
exec "$venv_python" "$bench_dir/engine.py" --svmq "$svmq_bin" "$@"
