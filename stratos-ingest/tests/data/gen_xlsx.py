"""Writes the spreadsheet fixtures for tests/it/xlsx.rs (needs openpyxl and odfpy).

Run from this directory: `python3 gen_xlsx.py`. The tests read the committed files and
need no Python.
"""
import datetime
import re
import zipfile

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

# titled.xlsx: a merged title row, an empty row, then the header; sheet "gap" has a
# time-named column of Excel serials with an empty cell (an error naming sheet, row and
# column).
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "titled"
ws.append(["Sensor report"])
ws.merge_cells("A1:C1")
ws.append([])
ws.append(["time", "temp", "unit"])
ws.append([datetime.date(2025, 1, 15), 20, "C"])
ws.append([datetime.date(2025, 1, 16), 21.5, "C"])
gap = wb.create_sheet("gap")
gap.append(["ts", "v"])
gap.append([45672, 1])
gap.append([None, 2])
wb.save("titled.xlsx")

# formulas_cached.xlsx: sensors.xlsx with the cached values a spreadsheet application
# would store after the formulas (openpyxl stores none), added to the sheet XML.
with zipfile.ZipFile("sensors.xlsx") as src, zipfile.ZipFile(
    "formulas_cached.xlsx", "w", zipfile.ZIP_DEFLATED
) as dst:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            cached = {b"3": b"3", b"4": b"5", b"5": b"0", b"6": b"8"}
            data = re.sub(
                rb"<f>B(\d+)\*2</f><v */>",
                lambda m: b"<f>B" + m.group(1) + b"*2</f><v>" + cached[m.group(1)] + b"</v>",
                data,
            )
        dst.writestr(item, data)

# far_cell.xlsx: a tiny file whose cells span A1 to XFD1048576 (17 billion cells, refused
# before any allocation).
wb = openpyxl.Workbook()
ws = wb.active
ws["A1"] = "a"
ws["A2"] = 1
ws["XFD1048576"] = 2
wb.save("far_cell.xlsx")

# repeat_bomb.ods: plain.ods plus one row repeated a million times holding 16000 repeated
# cells (calamine refuses it by its own cell limit).
with zipfile.ZipFile("plain.ods") as src, zipfile.ZipFile(
    "repeat_bomb.ods", "w", zipfile.ZIP_DEFLATED
) as dst:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "content.xml":
            bomb = (
                b'<table:table-row table:number-rows-repeated="1048000">'
                b'<table:table-cell table:number-columns-repeated="16000" '
                b'office:value-type="float" office:value="1"><text:p>1</text:p>'
                b"</table:table-cell></table:table-row></table:table>"
            )
            data = data.replace(b"</table:table>", bomb, 1)
        dst.writestr(item, data)
