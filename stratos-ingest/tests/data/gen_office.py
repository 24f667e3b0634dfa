"""Writes the fixtures made by independent tools for tests/it/pdf.rs and tests/it/office.rs.

Needs LibreOffice (`soffice`, Debian's libreoffice-calc) and reportlab (`pip install
reportlab`). Run from this directory: `python3 gen_office.py`. The tests read the committed
files and need none of these tools. `pdftotext -layout` (poppler-utils) was the oracle
for the values the PDF tests assert.

- lo_readings.fods: the source, a flat OpenDocument spreadsheet written here (70 hourly
  sensor readings, a header row marked as the print-repeat row so that it is printed on
  every page, a humidity gap).
- lo_readings.xlsx, lo_readings.ods: saved by LibreOffice Calc from it.
- lo_readings.pdf: printed by LibreOffice Calc from it (two pages, header repeated, the
  page style's sheet-name header and page-number footer around the table).
- report.pdf: a reportlab report: a title, prose with numbers in it, a table of 60 daily
  sales rows (thousands separators) split over two pages with its header repeated, then
  closing prose.
"""
import datetime
import os
import shutil
import subprocess
import tempfile

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

START = datetime.datetime(2025, 1, 15, 0, 0)
SENSORS = ["north", "south", "east"]


def reading(i):
    """Row i of the sensor table: exact binary fractions so every tool prints them alike."""
    t = START + datetime.timedelta(hours=i)
    temp = 20 + (i * 7 % 23) * 0.25
    hum = None if i in (5, 41) else 40 + (i * 5 % 17) * 0.5
    return t, SENSORS[i % 3], temp, hum


def fods():
    rows = []
    for i in range(70):
        t, s, temp, hum = reading(i)
        cells = [
            f'<table:table-cell table:style-name="dt" office:value-type="date" '
            f'office:date-value="{t.isoformat()}"><text:p>{t:%Y-%m-%d %H:%M}</text:p>'
            f"</table:table-cell>",
            f'<table:table-cell office:value-type="string"><text:p>{s}</text:p>'
            f"</table:table-cell>",
            f'<table:table-cell office:value-type="float" office:value="{temp}">'
            f"<text:p>{temp}</text:p></table:table-cell>",
            (
                "<table:table-cell/>"
                if hum is None
                else f'<table:table-cell office:value-type="float" office:value="{hum}">'
                f"<text:p>{hum}</text:p></table:table-cell>"
            ),
        ]
        rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    header = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
        for h in ["timestamp", "sensor", "temperature", "humidity"]
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:automatic-styles>
 <number:date-style style:name="N1">
  <number:year number:style="long"/><number:text>-</number:text>
  <number:month number:style="long"/><number:text>-</number:text>
  <number:day number:style="long"/><number:text> </number:text>
  <number:hours number:style="long"/><number:text>:</number:text>
  <number:minutes number:style="long"/>
 </number:date-style>
 <style:style style:name="co1" style:family="table-column">
  <style:table-column-properties fo:break-before="auto" style:column-width="1.4in"/>
 </style:style>
 <style:style style:name="dt" style:family="table-cell" style:data-style-name="N1"/>
</office:automatic-styles>
<office:body><office:spreadsheet>
<table:table table:name="readings">
<table:table-column table:style-name="co1" table:number-columns-repeated="4"/>
<table:table-header-rows><table:table-row>{header}</table:table-row></table:table-header-rows>
{"".join(rows)}
</table:table>
</office:spreadsheet></office:body></office:document>
"""


def report():
    styles = getSampleStyleSheet()
    story = [
        Paragraph("Quarterly sales report", styles["Title"]),
        Paragraph(
            "This report covers the 60 days from 1 March 2025. Revenue grew by 12.5 percent "
            "over the previous quarter, to 1,234,567.89 in total, while 3 of 4 regions met "
            "their targets. The table below lists the daily figures.",
            styles["BodyText"],
        ),
        Spacer(1, 12),
    ]
    data = [["date", "region", "revenue", "units"]]
    regions = ["west", "east", "north", "south"]
    day = datetime.date(2025, 3, 1)
    for i in range(60):
        revenue = 1000 + i * 137.25 + (i % 5) * 1000
        data.append(
            [
                (day + datetime.timedelta(days=i)).isoformat(),
                regions[i % 4],
                f"{revenue:,.2f}",
                str(10 + i * 3 % 41),
            ]
        )
    table = Table(data, repeatRows=1, colWidths=[90, 70, 90, 50])
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 12),
        Paragraph(
            "Units are counted at dispatch. Figures for the last 2 days are provisional "
            "and may change by up to 5 percent.",
            styles["BodyText"],
        ),
    ]
    SimpleDocTemplate("report.pdf", pagesize=A4, title="Quarterly sales report").build(story)


def soffice(src, fmt, out):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", fmt, "--outdir", d, src],
            check=True,
            capture_output=True,
        )
        produced = [f for f in os.listdir(d)]
        shutil.move(os.path.join(d, produced[0]), out)


if __name__ == "__main__":
    with open("lo_readings.fods", "w") as f:
        f.write(fods())
    soffice("lo_readings.fods", "xlsx", "lo_readings.xlsx")
    soffice("lo_readings.fods", "ods", "lo_readings.ods")
    soffice("lo_readings.fods", "pdf", "lo_readings.pdf")
    report()
