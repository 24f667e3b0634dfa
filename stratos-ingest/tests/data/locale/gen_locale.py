"""Regenerates the locale fixtures with pandas (`python3 gen_locale.py`).

Each file holds the same 30 daily prices, written by pandas' `to_csv` with a `date_format`
(and, for the European file, `sep=';'` and `decimal=','`), so the reader is tested on files
made by an independent tool.
"""
import numpy as np
import pandas as pd

idx = pd.date_range("2024-03-01", periods=30, freq="D")
prices = np.round(100 + np.cumsum(np.sin(np.arange(30) / 3.0)), 4)
volume = 1000 + np.arange(30) * 17
df = pd.DataFrame({"date": idx, "price": prices, "volume": volume})

df.to_csv("us_dates.csv", index=False, date_format="%m/%d/%Y")
df.to_csv("eu_dates.csv", index=False, date_format="%d/%m/%Y", sep=";", decimal=",")
# Only the first 12 days: day and month can not be told apart.
df.head(12).to_csv("ambiguous_dates.csv", index=False, date_format="%m/%d/%Y")
tz = df.copy()
tz["date"] = (idx + pd.Timedelta(hours=10, minutes=30)).tz_localize("Europe/Paris")
tz.to_csv("offset_dates.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
df.to_csv("iso_dates.csv", index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
# Missing markers and a title line above the header.
na = df.head(5).copy()
na["price"] = na["price"].astype(object)
na.loc[2, "price"] = "n/d"
with open("na_skip.csv", "w") as f:
    f.write("Daily prices export\n")
    na.to_csv(f, index=False, date_format="%Y-%m-%d")
