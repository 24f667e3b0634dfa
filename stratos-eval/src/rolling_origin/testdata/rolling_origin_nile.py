"""Generates rolling_origin_nile_100.json: a rolling-origin evaluation of ARIMA(1, 0, 0) with a
constant on the Nile series, by statsmodels. Run from this folder with the conformance case
beside the repo: python3 rolling_origin_nile.py ../../../../tests/data/conformance/arima/arima_nile_100.json
"""
import json
import sys

import numpy as np
import statsmodels
import scipy
from scipy.optimize import minimize
from statsmodels.tsa.arima.model import ARIMA

case = json.load(open(sys.argv[1]))
y = np.array(case["input"]["y"], dtype=float)
initial, horizon, step = 80, 3, 4
origins = list(range(initial, len(y) - horizon + 1, step))
forecasts = []
def polished(model):
    """statsmodels' default fit, then its likelihood maximised further (as the conformance
    cases' `mle_polished`): BFGS then Nelder-Mead in the unconstrained parametrisation."""
    start = model.untransform_params(model.fit().params)
    n = model.nobs

    def cost(u):
        return -model.loglike(model.transform_params(u)) / n

    u = minimize(cost, start, method="BFGS", options={"gtol": 1e-12}).x
    u = minimize(cost, u, method="Nelder-Mead",
                 options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000}).x
    return model.smooth(model.transform_params(u))


for o in origins:
    res = polished(ARIMA(y[:o], order=(1, 0, 0)))
    forecasts.append([float(v) for v in res.forecast(horizon)])
f = np.array(forecasts)
metrics = []
for k in range(horizon):
    actual = np.array([y[o + k] for o in origins])
    base = np.array([y[o - 1] for o in origins])
    e = actual - f[:, k]
    metrics.append({
        "horizon": k + 1,
        "rmse": float(np.sqrt(np.mean(e ** 2))),
        "mae": float(np.mean(np.abs(e))),
        "mape": float(100 * np.mean(np.abs(e / actual))),
        "direction_accuracy": float(np.mean(np.sign(f[:, k] - base) == np.sign(actual - base))),
    })
json.dump({
    "produced_by": f"statsmodels {statsmodels.__version__}, scipy {scipy.__version__}, numpy {np.__version__}",
    "call": "polished(ARIMA(y[:o], order=(1, 0, 0))).forecast(3) for o in range(80, 98, 4)",
    "input": {"y": [float(v) for v in y]},
    "params_in": {"order": [1, 0, 0], "initial": initial, "horizon": horizon, "step": step,
                  "window": "expanding"},
    "origins": origins,
    "forecasts": forecasts,
    "metrics": metrics,
    "notes": "metrics by numpy from statsmodels' forecasts; direction = sign of the change "
             "from y[o-1]",
}, open("rolling_origin_nile_100.json", "w"), indent=1)
