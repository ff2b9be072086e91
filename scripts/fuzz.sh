#!/usr/bin/env bash
# Runs svmq's fuzz targets (fuzz/fuzz_targets/*.rs): scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds every target once, then runs each named one (all by default) for SECONDS_PER_TARGET
# seconds (default 60) from its committed seed corpus, fuzz/corpus/<target>/. New inputs
# go to fuzz/runs/<target>/ (not committed), a crashing input to fuzz/artifacts/<target>/.
# Prints the seconds and executions of each target and exits 1 when any target crashed,
# leaked, ran out of memory or timed out on an input.
#
# cargo-fuzz needs nightly-only compiler flags (sanitizers); RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them. cargo-fuzz itself is installed when missing.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
shift || true

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

# Build once; every target then runs the binaries of this one build.
cargo fuzz build -O
host=$(rustc -vV | sed -n 's/^host: //p')
binaries="target/$host/release"

failed=()
summary=()
for target in "${targets[@]}"; do
    mkdir -p "runs/$target" "corpus/$target"
    log="runs/$target.log"
    echo "fuzzing $target for ${seconds}s (log: fuzz/$log)"
    status=0
    # -timeout: one input taking this long is a finding; -rss_limit_mb: so is memory
    # beyond 2 GiB.
    mkdir -p "artifacts/$target"
    "$binaries/$target" "runs/$target" "corpus/$target" \
        -artifact_prefix="artifacts/$target/" \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        tail -n 40 "$log" >&2
        summary+=("$target: FAILED after ${elapsed:-?} s, ${executions:-?} executions (see fuzz/$log and fuzz/artifacts/$target/)")
    else
        summary+=("$target: ${elapsed:-?} s, ${executions:-?} executions, no crash")
    fi
done

printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz targets that failed: ${failed[*]}" >&2
    exit 1
fi
