"""Writes cover_sheet.xlsx for tests/it/xlsx.rs (needs openpyxl).

A workbook as people send them: a cover page first (a title, who wrote it, notes; no
time and no numbers to analyse), then a `notes` sheet of text and counts, then the
readings. Without `--sheet` the reader must pick `readings`, the first sheet holding a
time column and a numeric column, and say so.

Run from this directory: `python3 gen_cover.py`. The tests read the committed file and
need no Python.
"""
import datetime

import openpyxl

wb = openpyxl.Workbook()
cover = wb.active
cover.title = "Cover"
cover["A1"] = "Quarterly sensor report"
cover["A3"] = "Prepared by"
cover["B3"] = "Operations"
cover["A4"] = "Notes"
cover["B4"] = "Readings are hourly; see the readings sheet."

notes = wb.create_sheet("notes")
notes.append(["site", "sensors"])
notes.append(["north", 3])
notes.append(["south", 2])

readings = wb.create_sheet("readings")
readings.append(["time", "temperature", "site"])
start = datetime.datetime(2025, 1, 15, 10, 0)
for i, (t, s) in enumerate([(20.5, "north"), (21.0, "north"), (35.5, "south"), (21.5, "north")]):
    readings.append([start + datetime.timedelta(hours=i), t, s])

wb.save("cover_sheet.xlsx")
