"""Writes the spreadsheet fixtures for tests/it/xlsx.rs (needs openpyxl and odfpy).

Run from this directory: `python3 gen_xlsx.py`. The tests read the committed files and
need no Python.
"""
import datetime

import openpyxl
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

# sensors.xlsx: an empty leading row, a title-less header, a date column, a numeric
# column with a gap, a text column, a formula column (no cached values: openpyxl writes
# none) and a second sheet.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "readings"
ws.append([])
ws.append(["date", "value", "site", "double"])
start = datetime.datetime(2025, 1, 15, 10, 30)
values = [1.5, 2.5, None, 4.0]
sites = ["north", "south", "north", "east"]
for i, (v, s) in enumerate(zip(values, sites)):
    r = i + 3
    ws.append([start + datetime.timedelta(hours=i), v, s, f"=B{r}*2"])
other = wb.create_sheet("other")
other.append(["ts", "load"])
for i in range(3):
    other.append([45672 + i, 10 * (i + 1)])
wb.save("sensors.xlsx")

# plain.xlsx: no dates, one sheet.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Sheet1"
ws.append(["price", "name"])
ws.append([1, "a"])
ws.append([2.25, "b"])
ws.append([3, "c"])
wb.save("plain.xlsx")

# sensors.ods: the same shape as plain.xlsx with a float column.
doc = OpenDocumentSpreadsheet()
table = Table(name="data")
rows = [["price", "name"], [1.0, "a"], [2.25, "b"], [3.0, "c"]]
for row in rows:
    tr = TableRow()
    for cell in row:
        if isinstance(cell, float):
            tc = TableCell(valuetype="float", value=cell)
            tc.addElement(P(text=str(cell)))
        else:
            tc = TableCell(valuetype="string")
            tc.addElement(P(text=cell))
        tr.addElement(tc)
    table.addElement(tr)
doc.spreadsheet.addElement(table)
doc.save("plain.ods")
