"""statsmodels' own in-process fit time for the airline model (0,1,1)(0,1,1,12) on the
series the `sarima_fit` criterion bench uses: the log airline passengers (n = 144) and the
first 500 monthly CO2 values. Prints the median of `REPEATS` fits for each.

    python3 time_statsmodels.py
"""

import json
import pathlib
import time
import warnings

import numpy as np
from statsmodels.tsa.arima.model import ARIMA

warnings.simplefilter("ignore")
HERE = pathlib.Path(__file__).resolve().parent
REPEATS = 20

for name, path, n in [
    ("airline_log", "sarima_airline_log_011_011_12.json", 144),
    ("co2_monthly", "sarima_co2_monthly_011_011_12.json", 500),
]:
    y = np.asarray(json.loads((HERE / path).read_text())["input"]["y"][:n])
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        res = ARIMA(y, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit()
        times.append(time.perf_counter() - t0)
    print(f"{name} n={n}: median {1e3 * np.median(times):.2f} ms, min {1e3 * min(times):.2f} ms "
          f"over {REPEATS} fits (llf {res.llf:.9f})")
