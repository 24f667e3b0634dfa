"""Regenerates the cross-format fixtures (`python3 gen.py`; needs pandas, openpyxl, and the
gzip and zstd command-line tools).

Every file holds the same 40 daily prices (and volumes), written by an independent tool:

- `clean.csv`: pandas `to_csv`, ISO dates, oldest first.
- `newest_first.csv`: the same rows, newest first.
- `us_dates.csv`: pandas `to_csv` with `date_format="%m/%d/%Y"`.
- `european.csv`: pandas `to_csv` with `sep=";"`, `decimal=","` and day-first dates.
- `clean.csv.gz`, `clean.csv.zst`: `gzip -9 -n` and `zstd -19` of `clean.csv`.
- `flat.ndjson`: one flat object per line (`{"ts": …, "price": …, "volume": …}`).
- `envelope.ndjson`: the seed's envelope (`stream_id`, `data_type`, `payload`, `timestamp`
  as `{"seconds": …}`).
- `cover.xlsx`: openpyxl, a cover sheet first, the prices on the second sheet.

The tests read the committed files and need no Python.
"""
import datetime
import json
import subprocess

import numpy as np
import openpyxl
import pandas as pd

N = 40
idx = pd.date_range("2024-03-01", periods=N, freq="D")
prices = np.round(100 + np.cumsum(np.sin(np.arange(N) / 3.0)) + np.arange(N) * 0.05, 4)
volume = 1000 + (np.arange(N) * 37) % 101
df = pd.DataFrame({"date": idx, "price": prices, "volume": volume})

df.to_csv("clean.csv", index=False, date_format="%Y-%m-%d")
df.iloc[::-1].to_csv("newest_first.csv", index=False, date_format="%Y-%m-%d")
df.to_csv("us_dates.csv", index=False, date_format="%m/%d/%Y")
df.to_csv("european.csv", index=False, date_format="%d/%m/%Y", sep=";", decimal=",")

with open("clean.csv.gz", "wb") as f:
    subprocess.run(["gzip", "-9", "-n", "-c", "clean.csv"], stdout=f, check=True)
subprocess.run(["zstd", "-q", "-19", "-f", "-o", "clean.csv.zst", "clean.csv"], check=True)

with open("flat.ndjson", "w") as f:
    for t, p, v in zip(idx, prices, volume):
        f.write(json.dumps({"ts": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": float(p), "volume": int(v)}) + "\n")

with open("envelope.ndjson", "w") as f:
    for t, p, v in zip(idx, prices, volume):
        rec = {
            "stream_id": "ACME",
            "data_type": "trades",
            "payload": {"price": float(p), "volume": int(v)},
            "timestamp": {"seconds": int(t.timestamp())},
        }
        f.write(json.dumps(rec) + "\n")

wb = openpyxl.Workbook()
cover = wb.active
cover.title = "Cover"
cover["A1"] = "Daily prices"
cover["A3"] = "Prepared by"
cover["B3"] = "Research"
cover["A4"] = "Notes"
cover["B4"] = "One row per trading day; see the prices sheet."
sheet = wb.create_sheet("prices")
sheet.append(["date", "price", "volume"])
for t, p, v in zip(idx, prices, volume):
    sheet.append([datetime.datetime(t.year, t.month, t.day), float(p), int(v)])
wb.save("cover.xlsx")
