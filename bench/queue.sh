#!/usr/bin/env bash
# Benchmark the queue's SQLite store against the durable-queue goals: submits per second
# (goal >= 2000), claim latency, status-query latency (goal p99 < 2 ms), median and p99,
# with 10 000 tasks in a fresh store.
#
# Usage: bench/queue.sh [--tasks N] [--rounds N] [--status-queries N] [--dir DIR]
#   options go to the queue_benchmark example (crates/svmq-queue/examples); --dir puts
#   the temporary stores on another file system (default: the system temp directory).
#
# Results: printed, and written to docs/benchmarks.md under "## Queue (SQLite)": that
# section is replaced where it stands (or appended); the other sections are left as they are.
# Exit status: 0 when both goals are met, 1 when one is missed (results still written).
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"
# shellcheck source=common.sh
source "$bench_dir/common.sh"
results_file="$repo_root/docs/benchmarks.md"
heading="## Queue (SQLite)"
marker="<!-- queue section: regenerate with bench/queue.sh -->"

log() { printf '[queue.sh] %s\n' "$*" >&2; }

table="$(mktemp)"
section="$(mktemp)"
trap 'rm -f "$table" "$section"' EXIT

# The machine's other load shows in the write latencies (each commit waits for an fsync).
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
log "cargo run --release -p svmq-queue --example queue_benchmark -- $*"
status=0
(cd "$repo_root" && cargo run --quiet --release -p svmq-queue --example queue_benchmark -- "$@") \
    >"$table" || status=$?
if [ "$status" -gt 1 ] || ! [ -s "$table" ]; then
    log "the benchmark failed (exit status $status); docs/benchmarks.md is unchanged"
    exit $((status == 0 ? 1 : status))
fi
cat "$table"

{
    printf '%s\n%s\n\n' "$marker" "$heading"
    printf 'Produced by `bench/queue.sh%s` (which runs `cargo run --release -p svmq-queue --example queue_benchmark`)' \
        "${*:+ $*}"
    printf ' on %s, %s CPU cores, %s, load average %s at the start.' \
        "$(date -u +%Y-%m-%d)" "$(nproc 2>/dev/null || echo '?')" "$(uname -sm)" "$load"
    printf ' Every write commits with synchronous = FULL, so submit and claim rates are bounded'
    printf " by the disk's fsync, and their p99 shows the disk's other traffic.\n\n"
    cat "$table"
} >"$section"

write_section "$results_file" "$heading" "$marker" "$section"
log "results written to docs/benchmarks.md ($heading)"
exit "$status"
