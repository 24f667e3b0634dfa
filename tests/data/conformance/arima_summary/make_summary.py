"""statsmodels' ARIMA summary numbers for the ARIMA conformance series.

For every case in ../arima/*.json: `ARIMA(y, order).fit()` with statsmodels 0.15 defaults
(cov_type='opg'), then the numbers `summary()` prints, unrounded: params, bse, zvalues,
pvalues, conf_int(0.05), Ljung-Box at lag 1 (test_serial_correlation('ljungbox', lags=[1])),
Jarque-Bera with skew and kurtosis (test_normality('jarquebera')), and the two-sided
break-in-variance test (test_heteroskedasticity('breakvar')). Writes summary_<case>.json.
The Rust test filters at these params and compares to 1e-4 relative.

Run: python3 make_summary.py   (Python 3.11, statsmodels 0.15.0)
"""

import glob
import json
import os
import warnings

import numpy as np
import statsmodels
from statsmodels.tsa.arima.model import ARIMA


def main():
    for path in sorted(glob.glob(os.path.join("..", "arima", "*.json"))):
        case = json.load(open(path))
        y = np.array([np.nan if v is None else v for v in case["input"]["y"]], dtype=float)
        order = tuple(case["params_in"]["order"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ARIMA(y, order=order).fit()
            lb = res.test_serial_correlation("ljungbox", lags=[1])
            jb = res.test_normality("jarquebera")
            het = res.test_heteroskedasticity("breakvar")
        ci = np.asarray(res.conf_int(0.05))
        out = {
            "case": case["case"],
            "produced_by": {"statsmodels": statsmodels.__version__},
            "call": f"ARIMA(y, order={order}).fit(); summary() numbers",
            "input": {"y": case["input"]["y"]},
            "order": list(order),
            "param_names": list(res.param_names),
            "params": [float(v) for v in res.params],
            "cov_type": res.cov_type,
            "bse": [float(v) for v in res.bse],
            "zvalues": [float(v) for v in res.zvalues],
            "pvalues": [float(v) for v in res.pvalues],
            "conf_int": [[float(a), float(b)] for a, b in ci],
            "llf": float(res.llf),
            "ljung_box": [float(lb[0, 0, 0]), float(lb[0, 1, 0])],
            "jarque_bera": [float(v) for v in jb[0]],
            "heteroskedasticity": [float(het[0, 0]), float(het[0, 1])],
        }
        with open(f"summary_{case['case']}.json", "w") as f:
            json.dump(out, f)
            f.write("\n")
        print(case["case"], order, out["bse"])


if __name__ == "__main__":
    main()
