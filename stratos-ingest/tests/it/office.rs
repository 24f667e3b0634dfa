//! Fixtures written by independent tools (see `tests/data/gen_office.py`): XLSX, ODS and PDF
//! saved or printed by LibreOffice Calc 7.4 from `lo_readings.fods`, and a reportlab PDF
//! report with a table inside prose. Expected values are the generator's formulas, checked
//! against `pdftotext -layout` (poppler 22.12) while writing these tests.

use stratos_core::{Frame, Timestamp};
use stratos_ingest::schema_detect::{DetectedType, detect};
use stratos_ingest::{ReadOptions, read_path};

use crate::data;

/// Row `i` of `lo_readings.fods`: (hour offset, sensor, temperature, humidity).
fn reading(i: usize) -> (i64, &'static str, f64, Option<f64>) {
    let temp = 20.0 + ((i * 7) % 23) as f64 * 0.25;
    let hum = if i == 5 || i == 41 {
        None
    } else {
        Some(40.0 + ((i * 5) % 17) as f64 * 0.5)
    };
    (i as i64, ["north", "south", "east"][i % 3], temp, hum)
}

/// Asserts `f` holds the 70 readings with the detected schema.
fn assert_readings(f: &Frame) {
    assert_eq!(f.len(), 70);
    let s = f.schema();
    assert_eq!(s.timestamp_field.as_deref(), Some("timestamp"));
    assert_eq!(s.value_fields, ["temperature", "humidity"]);
    assert_eq!(s.category_fields, ["sensor"]);
    let start = Timestamp::parse("2025-01-15T00:00:00Z").unwrap();
    let times = f.timestamps().unwrap();
    let temp = f.column("temperature").unwrap();
    let hum = f.column("humidity").unwrap();
    let sensor = f.category("sensor").unwrap();
    for i in 0..70 {
        let (h, s, t, m) = reading(i);
        assert_eq!(
            times[i].micros() - start.micros(),
            h * 3_600_000_000,
            "row {i}"
        );
        assert_eq!(sensor.get(i), Some(s), "row {i}");
        assert_eq!(temp[i], t, "row {i}");
        match m {
            Some(m) => assert_eq!(hum[i], m, "row {i}"),
            None => assert!(hum[i].is_nan(), "row {i}"),
        }
    }
    // Spot checks straight from `pdftotext -layout lo_readings.pdf`.
    assert_eq!((temp[1], hum[1]), (21.75, 42.5));
    assert_eq!((temp[69], hum[69]), (20.0, 42.5));
    let d = detect(f);
    assert_eq!(d.detected_type, DetectedType::SensorData);
}

#[cfg(feature = "xlsx")]
#[test]
fn libreoffice_xlsx_and_ods_read_exactly() {
    for name in ["lo_readings.xlsx", "lo_readings.ods"] {
        let f = read_path(&data(name), &ReadOptions::default()).unwrap();
        assert_readings(&f);
    }
}

#[cfg(feature = "pdf")]
#[test]
fn a_pdf_printed_by_libreoffice_reads_as_its_sheet_over_two_pages() {
    // Two pages, each with the sheet name above the table, the header repeated and a
    // `Page N` footer: the two runs join into one table of 70 rows.
    let f = read_path(&data("lo_readings.pdf"), &ReadOptions::default()).unwrap();
    assert_readings(&f);
}

#[cfg(all(feature = "pdf", feature = "xlsx"))]
#[test]
fn the_pdf_and_the_spreadsheets_agree() {
    let pdf = read_path(&data("lo_readings.pdf"), &ReadOptions::default()).unwrap();
    let ods = read_path(&data("lo_readings.ods"), &ReadOptions::default()).unwrap();
    crate::assert_same_frame(&pdf, &ods);
}

#[cfg(feature = "pdf")]
#[test]
fn a_table_inside_prose_over_two_pages_is_found() {
    let f = read_path(&data("report.pdf"), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 60);
    let s = f.schema();
    assert_eq!(s.timestamp_field.as_deref(), Some("date"));
    assert_eq!(s.value_fields, ["revenue", "units"]);
    assert_eq!(s.category_fields, ["region"]);
    let t = f.timestamps().unwrap();
    assert_eq!(t[0], Timestamp::parse("2025-03-01T00:00:00Z").unwrap());
    assert_eq!(t[59], Timestamp::parse("2025-04-29T00:00:00Z").unwrap());
    let revenue = f.column("revenue").unwrap();
    let units = f.column("units").unwrap();
    let region = f.category("region").unwrap();
    for i in 0..60 {
        // The generator's formulas; `1,000.00` … `13,097.75` in the PDF.
        assert_eq!(
            revenue[i],
            1000.0 + i as f64 * 137.25 + (i % 5) as f64 * 1000.0,
            "row {i}"
        );
        assert_eq!(units[i], (10 + i * 3 % 41) as f64, "row {i}");
        assert_eq!(
            region.get(i),
            Some(["west", "east", "north", "south"][i % 4])
        );
    }
    // From `pdftotext -layout report.pdf`: the last row of page 1 and the first of page 2.
    assert_eq!((revenue[31], units[31]), (6254.75, 21.0));
    assert_eq!((revenue[32], units[32]), (7392.0, 24.0));
    assert_eq!(revenue[59], 13097.75);
    let d = stratos_ingest::schema_detect::detect(&f);
    assert_eq!(d.detected_type, DetectedType::Ecommerce);
}
