#!/usr/bin/env bash
# Benchmark the queue's PostgreSQL store: claim throughput (claim + complete, until the
# queue is empty) and wake-up latency (submit to claim, idle workers woken by
# LISTEN/NOTIFY, polling every 500 ms as the fallback) with 1, 2 and 4 workers, each
# with its own connections as on separate machines. Median of --rounds rounds.
#
# Usage: bench/queue_postgres.sh [--database URL] [--tasks N] [--samples N] [--rounds N]
#   the database defaults to $SVMQ_TEST_POSTGRES_URL; the benchmark makes schemas of its
#   own there and drops them. Other options go to the queue_postgres_benchmark example
#   (crates/svmq-queue/examples).
#
# Results: printed, and written to docs/benchmarks.md under "## Queue (PostgreSQL)": that
# section is replaced where it stands (or appended); the other sections are left as they are.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"
# shellcheck source=common.sh
source "$bench_dir/common.sh"
results_file="$repo_root/docs/benchmarks.md"
heading="## Queue (PostgreSQL)"
marker="<!-- queue-postgres section: regenerate with bench/queue_postgres.sh -->"

log() { printf '[queue_postgres.sh] %s\n' "$*" >&2; }

arguments=("$@")
case " $* " in
    *" --database "*) ;;
    *)
        if [ -z "${SVMQ_TEST_POSTGRES_URL:-}" ]; then
            log "give --database URL or set SVMQ_TEST_POSTGRES_URL"
            exit 2
        fi
        arguments+=(--database "$SVMQ_TEST_POSTGRES_URL")
        ;;
esac

table="$(mktemp)"
section="$(mktemp)"
trap 'rm -f "$table" "$section"' EXIT

load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
database=""
for ((index = 0; index < ${#arguments[@]} - 1; index++)); do
    [ "${arguments[index]}" = "--database" ] && database="${arguments[index + 1]}"
done
server="$(psql "$database" -Atc 'SHOW server_version' 2>/dev/null || echo unknown)"
log "cargo run --release -p svmq-queue --example queue_postgres_benchmark -- ${arguments[*]}"
if ! (cd "$repo_root" && cargo run --quiet --release -p svmq-queue --example queue_postgres_benchmark -- "${arguments[@]}") >"$table" \
    || ! [ -s "$table" ]; then
    log "the benchmark failed; docs/benchmarks.md is unchanged"
    exit 1
fi
cat "$table"

{
    printf '%s\n%s\n\n' "$marker" "$heading"
    printf 'Produced by `bench/queue_postgres.sh%s` (which runs `cargo run --release -p svmq-queue --example queue_postgres_benchmark`)' \
        "${*:+ $*}"
    printf ' on %s, %s CPU cores, %s, PostgreSQL %s on the same machine, load average %s at the start.' \
        "$(date -u +%Y-%m-%d)" "$(nproc 2>/dev/null || echo '?')" "$(uname -sm)" "$server" "$load"
    printf ' Each claim and each completion is its own committed transaction, and claims take one'
    printf ' advisory lock (the global limit), so the rate is bounded by commit latency and does'
    printf ' not grow with workers; the wake-up latency is what LISTEN/NOTIFY buys over polling'
    printf ' alone, which would wait half the 500 ms poll interval on average.\n\n'
    cat "$table"
} >"$section"

write_section "$results_file" "$heading" "$marker" "$section"
log "results written to docs/benchmarks.md ($heading)"
