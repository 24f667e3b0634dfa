#!/usr/bin/env python3
"""Writes the benchmark input: N rows of (ts, stream_id, value) over S streams, as Parquet and CSV.

Rows are in time order with the streams interleaved (every timestamp carries one reading of
each stream), the way a collector writes them, so every query must partition and sort.
Each stream is a random walk with occasional spikes, so a rolling z-score has work to do.

    python3 generate.py --rows 10000000 --streams 1000 --out /tmp/stratos-bench

writes OUT/ticks.parquet (1 M-row row groups, ts as a UTC timestamp (Parquet stores it in ms)) and OUT/ticks.csv
(`ts,stream_id,value`, ts in epoch seconds: what `stratos stream` reads).
Needs numpy and pyarrow.
"""
import argparse
import os
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--out", default="/tmp/stratos-bench")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    if args.rows % args.streams:
        ap.error("--rows must be a multiple of --streams")
    os.makedirs(args.out, exist_ok=True)
    steps = args.rows // args.streams
    rng = np.random.default_rng(args.seed)
    t0 = time.time()

    names = np.array([f"s{i:05d}" for i in range(args.streams)], dtype=object)
    # steps x streams, row-major: row k is timestamp k // streams, stream k % streams.
    walk = np.cumsum(rng.normal(0.0, 1.0, size=(steps, args.streams)), axis=0)
    level = rng.uniform(-100.0, 100.0, size=args.streams)
    spikes = rng.random((steps, args.streams)) < 0.001
    values = (walk + level + spikes * rng.normal(0.0, 25.0, size=(steps, args.streams))).ravel()
    values = np.round(values, 6)
    ts = (1_700_000_000 + np.repeat(np.arange(steps, dtype=np.int64), args.streams))
    stream = pa.DictionaryArray.from_arrays(
        pa.array(np.tile(np.arange(args.streams, dtype=np.int32), steps)), pa.array(names)
    ).cast(pa.string())

    table = pa.table({
        "ts": pa.array(ts, type=pa.int64()).cast(pa.timestamp("s", tz="UTC")),
        "stream_id": stream,
        "value": pa.array(values, type=pa.float64()),
    })
    pq.write_table(table, os.path.join(args.out, "ticks.parquet"), row_group_size=1_000_000)

    csv_table = table.set_column(0, "ts", pa.array(ts, type=pa.int64()))
    with open(os.path.join(args.out, "ticks.csv"), "wb") as f:
        f.write(b"ts,stream_id,value\n")
        pacsv.write_csv(csv_table, f, write_options=pacsv.WriteOptions(
            include_header=False, quoting_style="none"))
    print(f"wrote {args.rows} rows x {args.streams} streams to {args.out} in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
