"""300 generated series fitted with statsmodels' ARIMA, for the multi-start comparison.

Writes `cases.json`: for each case the series (values with 6 decimals, exactly as fitted),
the order, and statsmodels 0.15's `ARIMA(y, order=order).fit()` results (llf, params,
mle_retvals['converged']). Three families of 100:

* `rw`:    random walks (n 150..300) fitted with (2,1,2), (1,1,1), (2,1,1), (0,1,2), (1,1,2);
* `near`:  near-unit-root ARMA(1,1) / AR(2) (largest root 0.95..0.995), fitted with d = 0 and
           (1,0,1), (2,0,1), (2,0,2), (1,0,2);
* `over`:  over-parameterised: white noise, AR(1) or MA(1) fitted with (3,0,3), (2,0,2),
           (3,1,2), (2,1,3).

Usage:
  python3 make_cases.py              # writes cases.json (byte-identical on a rerun)
  python3 make_cases.py report GAINS # GAINS: the JSON the ignored Rust test
                                     # `arima_multistart_vs_statsmodels` writes; prints the
                                     # distribution of llf(ours) - llf(statsmodels)
"""

import json
import sys
import warnings

import numpy as np
import statsmodels
from statsmodels.tsa.arima.model import ARIMA


def family_rw(rng, i):
    n = int(rng.integers(150, 301))
    y = np.cumsum(rng.normal(0, 1, n)) + rng.normal(0, 5)
    order = [(2, 1, 2), (1, 1, 1), (2, 1, 1), (0, 1, 2), (1, 1, 2)][i % 5]
    return y, order


def family_near(rng, i):
    n = int(rng.integers(150, 301))
    root = rng.uniform(0.95, 0.995)
    e = rng.normal(0, 1, n + 100)
    y = np.zeros(n + 100)
    if i % 2 == 0:
        theta = rng.uniform(-0.6, 0.6)
        for t in range(1, n + 100):
            y[t] = root * y[t - 1] + e[t] + theta * e[t - 1]
    else:
        other = rng.uniform(-0.5, 0.5)
        a1, a2 = root + other, -root * other
        for t in range(2, n + 100):
            y[t] = a1 * y[t - 1] + a2 * y[t - 2] + e[t]
    order = [(1, 0, 1), (2, 0, 1), (2, 0, 2), (1, 0, 2)][i % 4]
    return y[100:] + rng.normal(0, 10), order


def family_over(rng, i):
    n = int(rng.integers(150, 301))
    e = rng.normal(0, 1, n + 1)
    kind = i % 3
    if kind == 0:
        y = e[1:]
    elif kind == 1:
        y = np.zeros(n)
        for t in range(1, n):
            y[t] = 0.5 * y[t - 1] + e[t]
    else:
        y = e[1:] + 0.4 * e[:-1]
    order = [(3, 0, 3), (2, 0, 2), (3, 1, 2), (2, 1, 3)][i % 4]
    return y, order


def make():
    rng = np.random.default_rng(20261204)
    cases = []
    for fam, gen in (("rw", family_rw), ("near", family_near), ("over", family_over)):
        for i in range(100):
            y, order = gen(rng, i)
            y = [float(f"{v:.6f}") for v in y]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ARIMA(np.array(y), order=order).fit()
            cases.append({
                "name": f"{fam}_{i:03d}",
                "order": list(order),
                "y": y,
                "statsmodels": {
                    "llf": float(res.llf),
                    "params": [float(v) for v in res.params],
                    "converged": bool(res.mle_retvals.get("converged", False)),
                },
            })
    out = {
        "produced_by": {"statsmodels": statsmodels.__version__, "numpy": np.__version__},
        "call": "ARIMA(np.array(y), order=order).fit()",
        "cases": cases,
    }
    with open("cases.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


def report(path):
    gains = json.load(open(path))
    g = np.array([c["gain"] for c in gains])
    print(f"{len(g)} series; llf(ours) - llf(statsmodels):")
    print(f"  min {g.min():.3e}  max {g.max():.4f}  mean {g.mean():.4f}")
    for q in (0, 0.05, 0.25, 0.5, 0.75, 0.95, 1):
        print(f"  quantile {q:4.2f}: {np.quantile(g, q): .3e}")
    for lo, hi in ((-np.inf, -1e-6), (-1e-6, 1e-6), (1e-6, 1e-3), (1e-3, 0.1), (0.1, 1), (1, np.inf)):
        k = int(((g >= lo) & (g < hi)).sum())
        print(f"  [{lo:g}, {hi:g}): {k}")
    fams = sorted({c["name"].split("_")[0] for c in gains})
    for fam in fams:
        gf = np.array([c["gain"] for c in gains if c["name"].startswith(fam)])
        print(f"  {fam}: n {len(gf)}, higher by > 1e-6 in {(gf > 1e-6).sum()}, "
              f"max gain {gf.max():.4f}, min {gf.min():.3e}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "report":
        report(sys.argv[2])
    else:
        make()
