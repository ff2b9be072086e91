#!/usr/bin/env bash
# Compares two svmq builds side by side, for changes that must not change results or
# speed (moves, splits, renames): the engine (`svm-train`) and the search (`train`), run
# alternately on the same data, the models compared byte for byte and the times as the
# median ratio new/old.
#
# Usage: bench/builds.sh OLD_SVMQ NEW_SVMQ [--repeat N]   (default 5 repetitions)
#
# Data: a generated 15000 x 20 two-class LIBSVM file (Python's seeded `random`, no
# packages needed) for the engine; examples/digits.csv (20 TPE trials, 5 folds, seed 0)
# for the search. Results: printed, plus bench/out/builds-results.md.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"
log() { printf '[builds.sh] %s\n' "$*" >&2; }

if [ $# -lt 2 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
old_bin="$(realpath "$1")"
new_bin="$(realpath "$2")"
shift 2
repeat=5
if [ "${1:-}" = "--repeat" ]; then repeat="$2"; fi

out="$bench_dir/out/builds"
rm -rf "$out"
mkdir -p "$out"

python3 - "$out/engine.libsvm" <<'PYTHON'
import math, random, sys
generator = random.Random(0)
with open(sys.argv[1], "w") as data:
    for _ in range(15000):
        features = [generator.gauss(0.0, 1.0) for _ in range(20)]
        score = math.sin(features[0]) + features[1] * features[2] + 0.5 * features[3]
        label = 1 if score + generator.gauss(0.0, 0.5) > 0 else -1
        cells = " ".join(f"{index + 1}:{value:.6f}" for index, value in enumerate(features))
        data.write(f"{label} {cells}\n")
PYTHON

# seconds OUTPUT COMMAND...: runs it with its standard output into OUTPUT, prints its
# wall time in seconds.
seconds() {
    local output="$1" start end
    shift
    start=$(date +%s.%N)
    "$@" >"$output" 2>/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

engine_old=() engine_new=() search_old=() search_new=()
for round in $(seq 1 "$repeat"); do
    for side in old new; do
        bin="$old_bin"; [ "$side" = new ] && bin="$new_bin"
        time_engine=$(seconds /dev/null "$bin" svm-train -s 0 -t 2 -c 1 -g 0.05 -e 0.001 -m 200 \
            "$out/engine.libsvm" "$out/engine-$side.model")
        rm -rf "$out/home-$side"
        time_search=$(seconds "$out/search-$side.json" "$bin" --home "$out/home-$side" train \
            "$repo_root/examples/digits.csv" --trials 20 --folds 5 --seed 0 --json)
        if [ "$side" = old ]; then
            engine_old+=("$time_engine"); search_old+=("$time_search")
        else
            engine_new+=("$time_engine"); search_new+=("$time_search")
        fi
    done
    log "round $round of $repeat done"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

same_model=no
cmp -s "$out/engine-old.model" "$out/engine-new.model" && same_model=yes
# The search's result without what differs by nature (ids, paths, times).
search_summary() {
    python3 - "$1" <<'PYTHON'
import json, sys
result = json.load(open(sys.argv[1]))
def strip(value):
    if isinstance(value, dict):
        return {key: strip(item) for key, item in value.items()
                if not (key.endswith(("_id", "_at", "path", "directory")) or "seconds" in key
                        or "time" in key)}
    if isinstance(value, list):
        return [strip(item) for item in value]
    return value
print(json.dumps(strip(result), sort_keys=True))
PYTHON
}
same_search=no
[ "$(search_summary "$out/search-old.json")" = "$(search_summary "$out/search-new.json")" ] && same_search=yes

engine_ratio=$(echo "$(median "${engine_new[@]}") / $(median "${engine_old[@]}")" | bc -l)
search_ratio=$(echo "$(median "${search_new[@]}") / $(median "${search_old[@]}")" | bc -l)
{
    echo "| run | old s (median) | new s (median) | new/old | same result |"
    echo "| --- | ---: | ---: | ---: | --- |"
    printf '| engine: svm-train 15000x20 rbf | %.3f | %.3f | %.3f | model file %s |\n' \
        "$(median "${engine_old[@]}")" "$(median "${engine_new[@]}")" "$engine_ratio" "$same_model"
    printf '| search: train digits, 20 trials x 5 folds | %.3f | %.3f | %.3f | result %s |\n' \
        "$(median "${search_old[@]}")" "$(median "${search_new[@]}")" "$search_ratio" "$same_search"
    echo
    echo "$repeat repetitions, builds alternated; old: $("$old_bin" --version), new: $("$new_bin" --version)."
} | tee "$bench_dir/out/builds-results.md"
