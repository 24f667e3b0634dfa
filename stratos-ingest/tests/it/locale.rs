//! Dates written day-first or month-first, offsets, decimal commas, missing markers and
//! skipped title lines, on files written by pandas (tests/data/locale/gen_locale.py).

use stratos_ingest::{IngestError, ReadOptions, read_path};

use crate::{assert_same_frame, data};

fn read(name: &str, options: &ReadOptions) -> Result<stratos_core::Frame, IngestError> {
    read_path(&data(&format!("locale/{name}")), options)
}

#[test]
fn us_european_and_iso_files_read_the_same() {
    let iso = read("iso_dates.csv", &ReadOptions::default()).unwrap();
    assert_eq!(iso.len(), 30);
    assert_eq!(iso.schema().timestamp_field.as_deref(), Some("date"));
    for name in ["us_dates.csv", "eu_dates.csv"] {
        let f = read(name, &ReadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same_frame(&f, &iso);
    }
    let us = read(
        "us_dates.csv",
        &ReadOptions::default().with_date_format("%m/%d/%Y"),
    )
    .unwrap();
    assert_same_frame(&us, &iso);
}

#[test]
fn ambiguous_dates_are_an_error_naming_the_column_until_a_pattern_is_given() {
    let e = read("ambiguous_dates.csv", &ReadOptions::default()).unwrap_err();
    assert!(e.is_bad_data());
    assert!(
        e.to_string().ends_with(
            "ambiguous_dates.csv: column `date`: expected dates whose order of day and month \
             can be told (no day above 12): give --date-format '%d/%m/%Y' or '%m/%d/%Y', found \
             `03/01/2024`"
        ),
        "{e}"
    );
    let f = read(
        "ambiguous_dates.csv",
        &ReadOptions::default().with_date_format("%m/%d/%Y"),
    )
    .unwrap();
    assert_eq!(
        f.timestamps().unwrap()[11].to_string(),
        "2024-03-12T00:00:00Z"
    );
    let f = read(
        "ambiguous_dates.csv",
        &ReadOptions::default().with_date_format("%d/%m/%Y"),
    )
    .unwrap();
    assert_eq!(
        f.timestamps().unwrap()[1].to_string(),
        "2024-02-03T00:00:00Z"
    );
}

#[test]
fn offsets_are_applied() {
    let f = read("offset_dates.csv", &ReadOptions::default()).unwrap();
    let t = f.timestamps().unwrap();
    // 10:30 in Paris: +01:00 in March before the change to summer time, +02:00 after.
    assert_eq!(t[0].to_string(), "2024-03-01T09:30:00Z");
    assert_eq!(t[29].to_string(), "2024-03-30T09:30:00Z");
    assert_eq!(f.column("price").unwrap().len(), 30);
}

#[test]
fn markers_and_skipped_rows() {
    let e = read("na_skip.csv", &ReadOptions::default()).unwrap_err();
    assert!(e.is_bad_data(), "{e}");
    let f = read(
        "na_skip.csv",
        &ReadOptions::default()
            .with_skip_rows(1)
            .with_missing_markers(["n/d"]),
    )
    .unwrap();
    let p = f.column("price").unwrap();
    assert_eq!(p.len(), 5);
    assert!(p[2].is_nan() && p[0] == 100.0);
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("date"));
    // Lines are still counted from the top of the file.
    let bad = "title\nt,v\n2024-01-01,1\n2024-01-02,1,2\n";
    let e = stratos_ingest::read_bytes(bad.as_bytes(), &ReadOptions::default().with_skip_rows(1))
        .unwrap_err();
    assert_eq!(e.to_string(), "line 4: expected 2 fields, found 3");
}

#[test]
fn explicit_decimal_and_delimiter() {
    let text = "t|v\n2024-01-01|1,5\n2024-01-02|2,25\n";
    let f = stratos_ingest::read_bytes(
        text.as_bytes(),
        &ReadOptions::default()
            .with_delimiter(b'|')
            .with_decimal(b','),
    )
    .unwrap();
    assert_eq!(f.column("v").unwrap(), [1.5, 2.25]);
}
