"""Reference rolling means from pandas for the bit-exact SMA test.

Writes, for backtesting.py's bundled EURUSD (hourly) and GOOG (daily) samples:
  * <name>_close.csv: the timestamp and Close columns, floats in shortest round-trip form;
  * sma_pandas.json: for every window n in 2..=50, an FNV-1a hash over the IEEE-754 bits of
    every value of `close.rolling(n).mean()` (NaN hashed as the canonical quiet NaN
    0x7ff8000000000000), the first defined value as a hex float, and every (a, b, index)
    with a < b where the two averages are exactly equal at a bar (the ties that decide
    crossovers).

Run with Python 3.11, pandas 3.1.1 and backtesting 0.6.6: `python3 make_sma.py`.
Running it again gives byte-identical files.
"""

import json
import math
import struct

import numpy as np
import pandas as pd
import backtesting
from backtesting.test import EURUSD, GOOG

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1
NAN_BITS = 0x7FF8000000000000


def bits(x: float) -> int:
    if math.isnan(x):
        return NAN_BITS
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def fnv(values) -> str:
    h = FNV_OFFSET
    for v in values:
        h ^= bits(float(v))
        h = (h * FNV_PRIME) & MASK
    return f"{h:016x}"


def main() -> None:
    out = {
        "produced_by": {
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "backtesting": backtesting.__version__,
        },
        "call": "df.Close.rolling(n).mean() for n in 2..=50",
        "notes": "hash: FNV-1a over the u64 bits of each value in order (h ^= bits; h *= 0x100000001b3, "
        "wrapping), NaN as 0x7ff8000000000000; ties: [a, b, i] with a < b and SMA(a)[i] == SMA(b)[i]",
        "series": {},
    }
    for name, df in (("eurusd", EURUSD), ("goog", GOOG)):
        close = df.Close.astype(float)
        with open(f"{name}_close.csv", "w") as f:
            f.write("timestamp,close\n")
            for ts, v in zip(df.index, close):
                f.write(f"{ts.isoformat()},{repr(float(v))}\n")
        means = {n: close.rolling(n).mean().to_numpy() for n in range(2, 51)}
        hashes = {str(n): fnv(m) for n, m in means.items()}
        first = {str(n): float(m[n - 1]).hex() for n, m in means.items()}
        ties = []
        for a in range(2, 51):
            for b in range(a + 1, 51):
                ma, mb = means[a], means[b]
                eq = np.nonzero(ma == mb)[0]
                ties.extend([a, b, int(i)] for i in eq)
        out["series"][name] = {
            "file": f"{name}_close.csv",
            "rows": len(close),
            "fnv": hashes,
            "first": first,
            "ties": ties,
        }
    with open("sma_pandas.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
