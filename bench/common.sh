# Shared by the benchmark scripts (sourced, not run): the Python venv, the svmq binary, and
# writing results into docs/benchmarks.md.
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

# write_section FILE HEADING MARKER SECTION: replaces FILE's section that starts at the
# line MARKER or HEADING, up to the next "## " heading or "<!-- " marker, with the lines of
# the file SECTION; appends it when there is none. Other lines are copied as they are.
write_section() {
    local results_file="$1" heading="$2" marker="$3" section="$4" updated
    mkdir -p "$(dirname "$results_file")"
    if ! [ -f "$results_file" ]; then
        printf '# Benchmarks\n\n' >"$results_file"
    fi
    updated="$(awk -v heading="$heading" -v marker="$marker" -v section="$section" '
        function print_section(  line) {
            if (printed) return
            while ((getline line < section) > 0) print line
            close(section)
            printed = 1
        }
        skipping && $0 != heading && (/^## / || /^<!-- /) { skipping = 0; print "" }
        skipping { next }
        $0 == marker || $0 == heading { skipping = 1; print_section(); next }
        { print; last_blank = ($0 == "") }
        END {
            if (!printed) {
                if (!last_blank) print ""
                print_section()
            }
        }
    ' "$results_file")"
    printf '%s\n' "$updated" >"$results_file"
}
