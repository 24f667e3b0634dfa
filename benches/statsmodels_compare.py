#!/usr/bin/env python3
"""Whole-process timing of Stratos against statsmodels on the same ARIMA work.

Optional: nothing in the test suite needs Python. Requires `pip install statsmodels numpy`
and a release build (`cargo build --release -p stratos-cli`).

It writes a seeded ARIMA(2,1,2) series of n = 1000 points to a CSV, then times
  1. ARIMA(2,1,2) fit + 10-step forecast,
  2. the full (p, q) <= 3 AIC grid at d = 1,
in statsmodels (in-process, best of --repeat) and in `stratos run arima_prediction`
(whole process: start, read CSV, fit, print JSON; best of --repeat), and prints the ratios
and both log-likelihoods so the answers can be compared.

    python3 benches/statsmodels_compare.py [--repeat 5] [--stratos target/release/stratos]
"""
import os

# One BLAS thread: on a 2-core machine, threaded BLAS only adds contention to these small
# problems (and DESIGN.md's peer figures were taken this way).
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import json
import subprocess
import tempfile
import time
import warnings

import numpy as np


def series(n=1000, seed=7):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n + 200)
    w = np.zeros(n + 200)
    for t in range(2, n + 200):
        w[t] = 0.5 * w[t - 1] - 0.2 * w[t - 2] + e[t] + 0.4 * e[t - 1] + 0.1 * e[t - 2]
    return 100.0 + np.cumsum(w[200:])


def best_of(repeat, fn):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--stratos", default="target/release/stratos")
    args = ap.parse_args()
    from statsmodels.tsa.arima.model import ARIMA

    y = series()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("value\n" + "\n".join(repr(float(v)) for v in y) + "\n")
        path = f.name

    def sm_single():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = ARIMA(y, order=(2, 1, 2)).fit()
            r.get_forecast(10).summary_frame()
        return r.llf

    def sm_grid():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aics = {(p, q): ARIMA(y, order=(p, 1, q)).fit().aic for p in range(4) for q in range(4)}
        return min(aics, key=aics.get)

    def stratos(config):
        out = subprocess.run(
            [args.stratos, "run", "arima_prediction", path, "--config", json.dumps(config), "--format", "json"],
            check=True, capture_output=True, text=True,
        ).stdout
        return json.loads(out)

    single_cfg = {"p": 2, "d": 1, "q": 2, "steps": 10}
    grid_cfg = {"auto": True, "d": 1, "max_p": 3, "max_q": 3, "steps": 10}
    t_sm1, llf_sm = best_of(args.repeat, sm_single)
    t_st1, res1 = best_of(args.repeat, lambda: stratos(single_cfg))
    t_sm2, best_sm = best_of(max(1, args.repeat // 2), sm_grid)
    t_st2, res2 = best_of(args.repeat, lambda: stratos(grid_cfg))
    print(f"ARIMA(2,1,2) fit+forecast, n=1000: statsmodels {t_sm1*1e3:.1f} ms, stratos (whole process) "
          f"{t_st1*1e3:.1f} ms, ratio {t_sm1/t_st1:.1f}x; llf statsmodels {llf_sm:.6f}, stratos "
          f"{res1['data']['logLikelihood']:.6f}")
    mp = res2["data"]["modelParams"]
    print(f"(p,q)<=3 AIC grid, d=1, n=1000: statsmodels {t_sm2*1e3:.1f} ms, stratos (whole process) "
          f"{t_st2*1e3:.1f} ms, ratio {t_sm2/t_st2:.1f}x; best statsmodels {best_sm}, stratos "
          f"({mp['p']}, {mp['q']})")


if __name__ == "__main__":
    main()
