"""Times pandas on the files the ingest bench reads, for the ratios in the notes.

Run the bench first (it writes the inputs to target/tmp/ingest_bench/):

    cargo bench --bench ingest -- --warm-up-time 1 --measurement-time 3
    python3 benches/ingest_pandas_compare.py [target/tmp/ingest_bench]

Then compare rows/s with criterion's `thrpt` lines. pandas does the same work the Rust
readers do: parse the whole file into typed columns, the timestamps as datetimes.

- CSV, 1 M rows: `pd.read_csv(path, parse_dates=["timestamp"])`.
- XLSX, 100 k rows: `pd.read_excel(path)` (default engine, openpyxl); the timestamp column
  comes back as datetime64 from the cells' date style.

Each timing is the best of `REPEATS` runs (pandas has no warm-up to speak of; the best run
is the least disturbed by other load).
"""
import os
import platform
import sys
import time

import pandas as pd

REPEATS = {"csv": 5, "xlsx": 3}


def best_of(n, f):
    best = float("inf")
    result = None
    for _ in range(n):
        t0 = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join("target", "tmp", "ingest_bench")
    csv_path = os.path.join(d, "rows=1000000.csv")
    xlsx_path = os.path.join(d, "rows=100000.xlsx")
    print(f"python {platform.python_version()}, pandas {pd.__version__}", end="")
    try:
        import openpyxl

        print(f", openpyxl {openpyxl.__version__}")
    except ImportError:
        print()
    secs, df = best_of(REPEATS["csv"], lambda: pd.read_csv(csv_path, parse_dates=["timestamp"]))
    assert len(df) == 1_000_000 and str(df["timestamp"].dtype).startswith("datetime64"), df.dtypes
    print(f"read_csv   {len(df):>9} rows  {secs * 1e3:9.1f} ms  {len(df) / secs / 1e6:7.3f} M rows/s")
    secs, df = best_of(REPEATS["xlsx"], lambda: pd.read_excel(xlsx_path))
    assert len(df) == 100_000 and str(df["timestamp"].dtype).startswith("datetime64"), df.dtypes
    print(f"read_excel {len(df):>9} rows  {secs * 1e3:9.1f} ms  {len(df) / secs / 1e6:7.3f} M rows/s")


if __name__ == "__main__":
    main()
