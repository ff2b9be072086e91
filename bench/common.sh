# Shared by the benchmark scripts (sourced, not run): the Python venv and the svmq binary.
# The caller sets bench_dir, repo_root and defines log().

# Creates bench/.venv with numpy and scikit-learn once; sets venv_python.
ensure_venv() {
    local venv_dir="$bench_dir/.venv"
    venv_python="$venv_dir/bin/python"
    if ! [ -x "$venv_python" ] || ! "$venv_python" -c 'import numpy, sklearn' >/dev/null 2>&1; then
        log "creating Python venv at $venv_dir (numpy, scikit-learn)"
        "${PYTHON:-python3}" -m venv "$venv_dir"
        "$venv_python" -m pip install --quiet --disable-pip-version-check numpy scikit-learn
    fi
}

# Sets svmq_bin: $SVMQ_BIN as given, else a release build of the workspace. A failed
# build is reported and the benchmark goes on: svmq then shows as failed.
locate_svmq() {
    if [ -n "${SVMQ_BIN:-}" ]; then
        svmq_bin="$SVMQ_BIN"
        log "using SVMQ_BIN=$svmq_bin (no build)"
    else
        svmq_bin="${CARGO_TARGET_DIR:-$repo_root/target}/release/svmq"
        log "building svmq: cargo build --release -p svmq"
        if ! (cd "$repo_root" && cargo build --release -p svmq); then
            log "WARNING: svmq build failed; benchmarking the reference tools only"
        fi
    fi
}
