"""statsmodels' adfuller / kpss on examples/data/ohlcv_daily.csv, for `stratos stationarity`.

Writes reference.json: a list of {"args": [...CLI args after the file...], "expected": {...}}
with statsmodels 0.15's numbers (statistic, pvalue, usedlag/lags, nobs, critical values,
icbest). Run from this folder: python3 make_reference.py
"""

import json
import warnings as _w
_w.simplefilter("ignore")
import warnings

import numpy as np
import pandas as pd
import statsmodels
from statsmodels.tsa.stattools import adfuller, kpss

df = pd.read_csv("../../../../examples/data/ohlcv_daily.csv")
cases = []
for column in ("close",):
    y = df[column].to_numpy(dtype=float)
    for regression in ("c", "ct", "ctt", "n"):
        for autolag, cli in (("AIC", "aic"), ("BIC", "bic"), ("t-stat", "t-stat"), (None, "none")):
            maxlag = None if autolag else 6
            r = adfuller(y, maxlag=maxlag, regression=regression, autolag=autolag)
            args = ["--field", column, "--regression", regression, "--autolag", cli]
            if maxlag is not None:
                args += ["--maxlag", str(maxlag)]
            cases.append({"args": args, "expected": {
                "test": "adf", "statistic": r[0], "pvalue": r[1], "usedlag": r[2], "nobs": r[3],
                "critical_values": r[4], "icbest": r[5] if autolag else None}})
    for regression in ("c", "ct"):
        for nlags in ("auto", 10):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = kpss(y, regression=regression, nlags=nlags)
            args = ["--field", column, "--test", "kpss", "--regression", regression]
            if nlags != "auto":
                args += ["--maxlag", str(nlags)]
            cases.append({"args": args, "expected": {
                "test": "kpss", "statistic": r[0], "pvalue": r[1], "lags": r[2],
                "critical_values": r[3]}})
out = {"produced_by": {"statsmodels": statsmodels.__version__, "numpy": np.__version__},
       "input": "examples/data/ohlcv_daily.csv", "cases": cases}
with open("reference.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(len(cases), "cases")
