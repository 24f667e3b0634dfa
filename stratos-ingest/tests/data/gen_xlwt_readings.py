"""Writes xlwt_readings.xls (BIFF8, as the xlwt library writes it: a small file whose
Workbook stream lives in the compound file's mini stream) for the XLS guard's test.

    pip install xlwt && python3 gen_xlwt_readings.py
"""
import datetime

import xlwt

book = xlwt.Workbook()
sheet = book.add_sheet("readings")
date = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
for col, name in enumerate(["time", "value", "site"]):
    sheet.write(0, col, name)
start = datetime.datetime(2025, 1, 15, 10, 0, 0)
for i in range(6):
    sheet.write(i + 1, 0, start + datetime.timedelta(hours=i), date)
    sheet.write(i + 1, 1, 1.5 * i)
    sheet.write(i + 1, 2, "north" if i % 2 == 0 else "south")
other = book.add_sheet("notes")
other.write(0, 0, "a second sheet, read by calamine at open")
book.save("xlwt_readings.xls")
