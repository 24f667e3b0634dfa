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
    (cd "$root" && CARGO_BUILD_JOBS=1 nice -n 10 cargo build --release -p stratos-cli --bin stratos --no-default-features >&2)
    (cd "$root" && CARGO_BUILD_JOBS=1 nice -n 10 cargo build --release -p stratos-datafusion --example bench_zscore >&2)
fi
stratos="$target/release/stratos"
bench="$target/release/examples/bench_zscore"

# 3. Runs. Each appends "RESULT name rows wall-seconds cpu-seconds [note]" to $results: the
# wall time is the best of $repeat runs, measured inside the process from the file to the last
# result; the CPU time (user + system) is the whole process's, from /usr/bin/time, divided by
# the number of runs (so it includes start-up: Python's imports, the binary's loading).
run() {
    local name="$1"; shift
    log "$name"
    local out cpu_file cpu
    cpu_file="$(mktemp)"
    if out="$(/usr/bin/time -f '%U %S' -o "$cpu_file" "$@" 2>&1)"; then
        cpu="$(awk -v r="$repeat" '{printf "%.3f", ($1 + $2) / r}' "$cpu_file")"
        if line="$(grep '^RESULT' <<<"$out")"; then
            awk -v cpu="$cpu" '{ $4 = $4 " " cpu; print }' <<<"$line" >>"$results"
        else
            echo "RESULT $name - - - (no result: $(tail -n1 <<<"$out"))" >>"$results"
        fi
    else
        echo "RESULT $name - - - (failed: $(tail -n1 <<<"$out"))" >>"$results"
    fi
    rm -f "$cpu_file"
}

stream_run() {
    log "stratos-stream-csv"
    local best="" cpu_total=0 t0 t1 dt cpu_file
    cpu_file="$(mktemp)"
    for _ in $(seq "$repeat"); do
        t0=$(date +%s.%N)
        # The CSV on stdin; the events (alerts) and the summary line go to /dev/null.
        /usr/bin/time -f '%U %S' -o "$cpu_file" "$stratos" stream --strategy anomaly_detection \
            --config "{\"method\":\"z_score\",\"window_size\":$window,\"threshold\":3}" \
            <"$dir/ticks.csv" >/dev/null 2>&1
        t1=$(date +%s.%N)
        dt=$(echo "$t1 - $t0" | bc -l)
        cpu_total=$(awk -v t="$cpu_total" '{print t + $1 + $2}' "$cpu_file")
        if [[ -z "$best" ]] || (( $(echo "$dt < $best" | bc -l) )); then best=$dt; fi
    done
    rm -f "$cpu_file"
    printf 'RESULT stratos-stream-csv %s %.3f %.3f (CSV on stdin, events to /dev/null)\n' \
        "$rows" "$best" "$(echo "$cpu_total / $repeat" | bc -l)" >>"$results"
}

py=(python3 "$here/compare.py")
pyopts=(--repeat "$repeat" --threads "$threads")

run datafusion-zscore "$bench" zscore "$dir/ticks.parquet" --window "$window" --partitions "$threads" --repeat "$repeat"
run datafusion-zscore-builtin "$bench" zscore-builtin "$dir/ticks.parquet" --window "$window" --partitions "$threads" --repeat "$repeat"
stream_run
run zscore-duckdb "${py[@]}" zscore-duckdb "$dir/ticks.parquet" --window "$window" "${pyopts[@]}"
run zscore-pandas "${py[@]}" zscore-pandas "$dir/ticks.parquet" --window "$window" "${pyopts[@]}"
run datafusion-scan "$bench" scan "$dir/ticks.parquet" --partitions "$threads" --repeat "$repeat"
run read-pyarrow "${py[@]}" read-pyarrow "$dir/ticks.parquet" "${pyopts[@]}"
run read-pandas "${py[@]}" read-pandas "$dir/ticks.parquet" "${pyopts[@]}"

# 4. Table.
echo
echo "$rows rows, $streams streams, window $window, $threads threads, best of $repeat; $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-26s | %9s | %7s | %12s | %7s | %s\n' "run" "rows" "wall s" "rows/s" "CPU s" "note |"
printf '|%s|%s|%s|%s|%s|%s\n' "----------------------------" "-----------" "---------" "--------------" "---------" "------|"
while read -r _ name n secs cpu note; do
    if [[ "$n" =~ ^[0-9]+$ && "$secs" =~ ^[0-9.]+$ ]] && (( $(echo "$secs > 0" | bc -l) )); then
        rate=$(printf '%.2f M' "$(echo "$n / $secs / 1000000" | bc -l)")
    else
        rate="not run"
    fi
    printf '| %-26s | %9s | %7s | %12s | %7s | %s |\n' "$name" "$n" "$secs" "$rate" "$cpu" "${note:-}"
done <"$results"
