"""Reference cases for seasonal ARIMA: statsmodels' ARIMA(y, order, seasonal_order).fit() with
every default left alone (enforce_stationarity/invertibility, approximate diffuse start for the
d + s*D integration states, loglikelihood_burn = d + s*D), on real seasonal series.

Run with Python 3.11 and `pip install statsmodels` (0.15.0 was used):

    python3 make_sarima.py            # writes sarima_*.json beside this script

Each case records the series, the order, statsmodels' fitted parameters (by name), its llf at
those parameters, the OPG standard errors, a 24-step forecast with its standard errors and 95%
interval, statsmodels' start parameters, and the median wall time of statsmodels' own fit
(informational; timings are never asserted).
"""

import json
import pathlib
import time
import warnings

import numpy as np
import statsmodels
import statsmodels.api as sm
from statsmodels.tsa.arima.model import ARIMA

warnings.simplefilter("ignore")
HERE = pathlib.Path(__file__).resolve().parent

# Box & Jenkins series G: international airline passengers, monthly totals (thousands),
# Jan 1949 - Dec 1960 (R's AirPassengers).
AIRLINE = [
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,
    115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,
    145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,
    171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,
    196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,
    204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,
    242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,
    284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,
    315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,
    340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
    360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,
    417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,
]
assert len(AIRLINE) == 144 and sum(AIRLINE) == 40363


def co2_monthly():
    """statsmodels' bundled Mauna Loa weekly CO2, resampled to monthly means; the 5 empty
    months linearly interpolated."""
    w = sm.datasets.co2.load_pandas().data["co2"]
    m = w.resample("MS").mean().interpolate()
    return [float(v) for v in m.values]


def elnino_monthly():
    """statsmodels' bundled El Nino sea surface temperatures, 1950-2010, row by row."""
    d = sm.datasets.elnino.load_pandas().data
    return [float(v) for v in d.drop(columns="YEAR").values.ravel()]


SERIES = {
    "airline_log": [float(np.log(v)) for v in AIRLINE],
    "airline": [float(v) for v in AIRLINE],
    "co2_monthly": co2_monthly(),
    "elnino": elnino_monthly(),
}

CASES = [
    ("airline_log", (0, 1, 1), (0, 1, 1, 12)),
    ("airline", (2, 1, 0), (0, 1, 1, 12)),
    ("airline_log", (1, 1, 1), (1, 1, 0, 12)),
    ("co2_monthly", (0, 1, 1), (0, 1, 1, 12)),
    ("co2_monthly", (1, 1, 1), (1, 1, 1, 12)),
    ("elnino", (1, 0, 0), (1, 0, 0, 12)),
    ("elnino", (1, 0, 1), (0, 1, 1, 12)),
    ("elnino", (2, 0, 0), (2, 0, 0, 12)),
]

STEPS = 24


def fit_seconds(y, order, seasonal, repeats=5):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ARIMA(np.asarray(y), order=order, seasonal_order=seasonal).fit()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    for name, order, seasonal in CASES:
        y = SERIES[name]
        model = ARIMA(np.asarray(y), order=order, seasonal_order=seasonal)
        res = model.fit()
        names = list(model.param_names)
        fc = res.get_forecast(STEPS)
        frame = fc.summary_frame(alpha=0.05)
        tag = "{}_{}{}{}_{}{}{}_{}".format(name, *order, *seasonal)
        case = {
            "case": f"sarima_{tag}",
            "generator": f"make_sarima.py, statsmodels {statsmodels.__version__}",
            "input": {"y": y},
            "params_in": {"order": list(order), "seasonal_order": list(seasonal)},
            "expected": {
                "param_names": names,
                "params": dict(zip(names, map(float, res.params))),
                "llf": float(res.llf),
                "aic": float(res.aic),
                "bic": float(res.bic),
                "nobs_effective": int(res.nobs_effective),
                "bse_opg": dict(zip(names, map(float, res.bse))),
                "start_params": dict(zip(names, map(float, model.start_params))),
                "llf_at_start_params": float(model.loglike(model.start_params)),
                "forecast": {
                    "steps": STEPS,
                    "alpha": 0.05,
                    "mean": [float(v) for v in frame["mean"]],
                    "se": [float(v) for v in frame["mean_se"]],
                    "lower": [float(v) for v in frame["mean_ci_lower"]],
                    "upper": [float(v) for v in frame["mean_ci_upper"]],
                },
                "statsmodels_fit_seconds_median_of_5": fit_seconds(y, order, seasonal),
            },
        }
        path = HERE / f"sarima_{tag}.json"
        path.write_text(json.dumps(case, indent=1) + "\n")
        print(path.name, "llf", res.llf, "fit s", case["expected"]["statsmodels_fit_seconds_median_of_5"])


if __name__ == "__main__":
    main()
