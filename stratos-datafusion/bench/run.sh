#!/usr/bin/env bash
# Stratos DataFusion benchmark: a per-stream rolling z-score over 10 M rows x 1 000 streams,
# through DataFusion (`stratos_zscore` from Parquet, on every core), `stratos stream` (the same
# rows as CSV), DuckDB and pandas; plus Parquet read speed (DataFusion's scan against pyarrow
# and pandas). Prints a table in rows per second.
#
#   bash stratos-datafusion/bench/run.sh            # from the repository root
#
# Environment: BENCH_DIR (data, default /tmp/stratos-bench), ROWS (10000000), STREAMS (1000),
# WINDOW (100), REPEAT (3, best run kept), THREADS (cores for DataFusion and DuckDB, default
# all), SKIP_BUILD=1 (use the release binaries already in target/). Needs python3 with numpy,
# pyarrow, pandas and duckdb (pip install duckdb pandas pyarrow); a missing one leaves its row
# marked "not run". Release builds use one job at low priority.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="${BENCH_DIR:-/tmp/stratos-bench}"
rows="${ROWS:-10000000}"
streams="${STREAMS:-1000}"
window="${WINDOW:-100}"
repeat="${REPEAT:-3}"
threads="${THREADS:-$(nproc)}"
target="${CARGO_TARGET_DIR:-$root/target}"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT

log() { echo "[bench] $*" >&2; }

# 1. Data.
if [[ ! -s "$dir/ticks.parquet" || ! -s "$dir/ticks.csv" || ! -s "$dir/.rows-$rows-$streams" ]]; then
    log "generating $rows rows x $streams streams in $dir"
    python3 "$here/generate.py" --rows "$rows" --streams "$streams" --out "$dir" >&2
    touch "$dir/.rows-$rows-$streams"
fi

# 2. Release binaries.
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building release binaries (one job, nice)"
    (cd "$root" && CARGO_BUILD_JOBS=1 nice -n 10 cargo build --release -p stratos-cli --bin stratos >&2)
    (cd "$root" && CARGO_BUILD_JOBS=1 nice -n 10 cargo build --release -p stratos-datafusion --example bench_zscore >&2)
fi
stratos="$target/release/stratos"
bench="$target/release/examples/bench_zscore"

# 3. Runs. Each appends "RESULT name rows seconds [note]" to $results.
run() {
    local name="$1"; shift
    log "$name"
    local out
    if out="$("$@" 2>&1)"; then
        grep '^RESULT' <<<"$out" >>"$results" || echo "RESULT $name - - (no result: $(tail -n1 <<<"$out"))" >>"$results"
    else
        echo "RESULT $name - - (failed: $(tail -n1 <<<"$out"))" >>"$results"
    fi
}

stream_run() {
    # `stratos stream` reads the CSV on stdin; events (alerts) go to /dev/null.
    local best="" t0 t1 dt
    for _ in $(seq "$repeat"); do
        t0=$(date +%s.%N)
        "$stratos" stream --strategy anomaly_detection \
            --config "{\"method\":\"z_score\",\"window_size\":$window,\"threshold\":3}" \
            <"$dir/ticks.csv" >/dev/null
        t1=$(date +%s.%N)
        dt=$(echo "$t1 - $t0" | bc -l)
        if [[ -z "$best" ]] || (( $(echo "$dt < $best" | bc -l) )); then best=$dt; fi
    done
    printf 'RESULT stratos-stream-csv %s %.3f\n' "$rows" "$best"
}

py() { python3 "$here/compare.py" "$@" --repeat "$repeat" --threads "$threads"; }

run datafusion-zscore "$bench" zscore "$dir/ticks.parquet" --window "$window" --partitions "$threads" --repeat "$repeat"
run datafusion-zscore-builtin "$bench" zscore-builtin "$dir/ticks.parquet" --window "$window" --partitions "$threads" --repeat "$repeat"
run stratos-stream-csv stream_run
run zscore-duckdb py zscore-duckdb "$dir/ticks.parquet" --window "$window"
run zscore-pandas py zscore-pandas "$dir/ticks.parquet" --window "$window"
run datafusion-scan "$bench" scan "$dir/ticks.parquet" --partitions "$threads" --repeat "$repeat"
run read-pyarrow py read-pyarrow "$dir/ticks.parquet"
run read-pandas py read-pandas "$dir/ticks.parquet"

# 4. Table.
echo
echo "$rows rows, $streams streams, window $window, $threads threads, best of $repeat; $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-28s | %10s | %8s | %14s | %s\n' "run" "rows" "seconds" "rows/s" "note |"
printf '|%s|%s|%s|%s|%s\n' "------------------------------" "------------" "----------" "----------------" "------|"
while read -r _ name n secs note; do
    if [[ "$n" =~ ^[0-9]+$ && "$secs" =~ ^[0-9.]+$ ]] && (( $(echo "$secs > 0" | bc -l) )); then
        rate=$(printf '%.2f M' "$(echo "$n / $secs / 1000000" | bc -l)")
    else
        rate="not run"
    fi
    printf '| %-28s | %10s | %8s | %14s | %s |\n' "$name" "$n" "$secs" "$rate" "${note:-}"
done <"$results"
