#!/usr/bin/env python3
"""The Python side of the Stratos DataFusion benchmark: rolling z-score and Parquet reads.

    python3 compare.py zscore-duckdb  /tmp/stratos-bench/ticks.parquet --window 100
    python3 compare.py zscore-pandas  /tmp/stratos-bench/ticks.parquet --window 100
    python3 compare.py read-pyarrow   /tmp/stratos-bench/ticks.parquet
    python3 compare.py read-pandas    /tmp/stratos-bench/ticks.parquet

Each prints one line `RESULT <name> <rows> <seconds>` (best of --repeat runs, wall time from
the Parquet file to the computed column), which bench/run.sh turns into rows per second.

The z-score is Stratos' definition: each value against the `window` values of its stream
before it, `z = (x - mean) / std` (sample std, ddof 1), no score until `window` values were
seen. DuckDB computes it with window frames `ROWS BETWEEN w PRECEDING AND 1 PRECEDING`,
pandas with a rolling window over the sorted column, shifted by one and masked per stream.
Needs duckdb, pandas and pyarrow (pip install duckdb pandas pyarrow).
"""
import argparse
import os
import time


def zscore_duckdb(path, window, threads):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    sql = f"""
        SELECT count(z) AS scored, count(*) AS n FROM (
          SELECT CASE WHEN count(value) OVER w = {window}
                      THEN (value - avg(value) OVER w) / nullif(stddev_samp(value) OVER w, 0)
                 END AS z
          FROM read_parquet('{path}')
          WINDOW w AS (PARTITION BY stream_id ORDER BY ts
                       ROWS BETWEEN {window} PRECEDING AND 1 PRECEDING)
        )"""
    scored, n = con.execute(sql).fetchone()
    return n, scored


def zscore_pandas(path, window, threads):
    import numpy as np
    import pandas as pd

    df = pd.read_parquet(path)
    df = df.sort_values(["stream_id", "ts"], kind="stable", ignore_index=True)
    roll = df["value"].rolling(window)
    mean = roll.mean().shift(1)
    std = roll.std(ddof=1).shift(1)
    position = df.groupby("stream_id", sort=False).cumcount()
    z = ((df["value"] - mean) / std.replace(0.0, np.nan)).where(position >= window)
    return len(df), int(z.notna().sum())


def read_pyarrow(path, window, threads):
    import pyarrow.parquet as pq

    table = pq.read_table(path, use_threads=threads > 1)
    return table.num_rows, None


def read_pandas(path, window, threads):
    import pandas as pd

    df = pd.read_parquet(path)
    return len(df), None


RUNS = {
    "zscore-duckdb": zscore_duckdb,
    "zscore-pandas": zscore_pandas,
    "read-pyarrow": read_pyarrow,
    "read-pandas": read_pandas,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=sorted(RUNS))
    ap.add_argument("parquet")
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    best = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        rows, scored = RUNS[args.what](args.parquet, args.window, args.threads)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    extra = "" if scored is None else f" (scored {scored})"
    print(f"RESULT {args.what} {rows} {best:.3f}{extra}", flush=True)


if __name__ == "__main__":
    main()
