"""Reference answers for tests/conformance_adf.rs that the shared set does not hold:
KPSS cases (tests/data/conformance/kpss/) and further ADF cases (ctt, n, BIC, t-stat, a long
series; tests/data/conformance/adf_local/), from statsmodels 0.15.0.

Run from the repository root:  python3 tests/data/conformance/kpss/make_reference.py
Inputs are the series of the shared ADF cases (tests/data/conformance/adf/*.json) and seeded
numpy series.
"""
import json
import platform
import warnings

import numpy as np
import scipy
import statsmodels
from statsmodels.tsa.stattools import adfuller, kpss

ROOT = "tests/data/conformance"
SHARED = {
    name: json.load(open(f"{ROOT}/adf/{case}.json"))["input"]["y"]
    for name, case in [
        ("nile", "adf_nile_c_aic"),
        ("log_gdp", "adf_log_gdp_ct_aic"),
        ("sunspots", "adf_sunspots_c_lag8"),
        ("random_walk", "adf_random_walk_ct_lag4"),
    ]
}
VERSIONS = {
    "python": platform.python_version(),
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "statsmodels": statsmodels.__version__,
}


def series(name):
    if name in SHARED:
        return np.asarray(SHARED[name], dtype=float), f"input.y of the shared ADF case for {name}"
    if name == "random_walk_2000":
        y = np.cumsum(np.random.default_rng(11).standard_normal(2000))
        return y, "numpy.cumsum(numpy.random.default_rng(11).standard_normal(2000))"
    if name == "ar2_600":
        rng = np.random.default_rng(5)
        e = rng.standard_normal(600)
        y = np.zeros(600)
        for t in range(2, 600):
            y[t] = 0.6 * y[t - 1] - 0.3 * y[t - 2] + e[t]
        y = y + 50.0
        return y, "AR(2) y_t = 0.6 y_{t-1} - 0.3 y_{t-2} + e_t, e = default_rng(5).standard_normal(600), plus 50"
    raise KeyError(name)


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


KPSS_CASES = [
    ("nile", "c", "auto"),
    ("log_gdp", "ct", "auto"),
    ("random_walk", "c", "legacy"),
    ("sunspots", "ct", 10),
    ("ar2_600", "c", "auto"),
    ("sunspots", "c", "auto"),
]

for name, reg, nlags in KPSS_CASES:
    y, source = series(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = kpss(y, regression=reg, nlags=nlags, result_object=True)
    case = f"kpss_{name}_{reg}_{nlags}"
    write(f"{ROOT}/kpss/{case}.json", {
        "case": case,
        "produced_by": {"library": "statsmodels", "version": statsmodels.__version__, "versions": VERSIONS},
        "generator": "tests/data/conformance/kpss/make_reference.py",
        "call": f"kpss(y, regression={reg!r}, nlags={nlags!r}, result_object=True)",
        "rtol": 1e-8,
        "input": {"series": name, "source": source, "n": len(y), "y": y.tolist()},
        "params_in": {"regression": reg, "nlags": nlags},
        "expected": {
            "statistic": float(r.statistic),
            "pvalue": float(r.pvalue),
            "lags": int(r.lags),
            "critical_values": {k: float(v) for k, v in r.critical_values.items()},
        },
    })

ADF_CASES = [
    ("log_gdp", "ctt", "AIC", None),
    ("nile", "c", "BIC", None),
    ("sunspots", "c", "t-stat", None),
    ("random_walk", "n", "AIC", None),
    ("random_walk", "n", None, 6),
    ("ar2_600", "ct", "BIC", 10),
    ("random_walk_2000", "c", "AIC", None),
    ("random_walk_2000", "ctt", "t-stat", None),
]

for name, reg, autolag, maxlag in ADF_CASES:
    y, source = series(name)
    r = adfuller(y, maxlag=maxlag, regression=reg, autolag=autolag, regresults=True, result_object=True)
    st = r.resstore
    table = None
    if autolag is not None:
        table = [
            {"lag": i, "columns": int(res.model.exog.shape[1]), "aic": float(res.aic),
             "bic": float(res.bic), "t_last": float(res.tvalues[-1]), "ssr": float(res.ssr),
             "nobs": int(res.nobs)}
            for i, (_, res) in enumerate(sorted(st.autolag_results.items()))
        ]
    case = f"adf_{name}_{reg}_{(autolag or 'none').lower().replace('-', '')}" + (f"_lag{maxlag}" if maxlag is not None else "")
    write(f"{ROOT}/adf_local/{case}.json", {
        "case": case,
        "produced_by": {"library": "statsmodels", "version": statsmodels.__version__, "versions": VERSIONS},
        "generator": "tests/data/conformance/kpss/make_reference.py",
        "call": f"adfuller(y, maxlag={maxlag!r}, regression={reg!r}, autolag={autolag!r}, regresults=True, result_object=True)",
        "input": {"series": name, "source": source, "n": len(y), "y": y.tolist()},
        "params_in": {"regression": reg, "autolag": autolag, "maxlag": maxlag},
        "expected": {
            "statistic": float(r.statistic),
            "pvalue": float(r.pvalue),
            "usedlag": int(r.lags),
            "nobs": int(r.nobs),
            "critical_values": {k: float(v) for k, v in r.critical_values.items()},
            "icbest": None if r.icbest is None else float(r.icbest),
            "maxlag_resolved": int(st.maxlag),
            "ols_params": [float(v) for v in st.resols.params],
            "ols_bse": [float(v) for v in st.resols.bse],
            "ols_ssr": float(st.resols.ssr),
            "autolag_ic_table": table,
        },
    })
print("ok")
