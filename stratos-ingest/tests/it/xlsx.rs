//! Spreadsheets (XLSX written by openpyxl, ODS by odfpy; see `tests/data/gen_xlsx.py`).

use proptest::prelude::*;
use stratos_core::Timestamp;
use stratos_ingest::{
    Format, IngestError, LimitKind, ReadOptions, SheetChoice, SheetSelector, read_bytes, read_path,
    read_spreadsheet,
};

use crate::data;

#[test]
fn dates_become_the_time_column_below_an_empty_leading_row() {
    let f = read_path(&data("sensors.xlsx"), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 4);
    let s = f.schema();
    assert_eq!(s.timestamp_field.as_deref(), Some("date"));
    assert_eq!(s.value_fields, ["value", "double"]);
    assert_eq!(s.category_fields, ["site"]);
    let t: Vec<Timestamp> = [
        "2025-01-15T10:30:00Z",
        "2025-01-15T11:30:00Z",
        "2025-01-15T12:30:00Z",
        "2025-01-15T13:30:00Z",
    ]
    .iter()
    .map(|t| Timestamp::parse(t).unwrap())
    .collect();
    assert_eq!(f.timestamps().unwrap(), t);
    let v = f.column("value").unwrap();
    assert_eq!((v[0], v[1], v[3]), (1.5, 2.5, 4.0));
    assert!(v[2].is_nan());
    // openpyxl writes formulas without cached values: calamine reads them as empty.
    assert!(f.column("double").unwrap().iter().all(|v| v.is_nan()));
    let site = f.category("site").unwrap();
    assert_eq!(site.dictionary(), ["north", "south", "east"]);
    assert_eq!(site.get(3), Some("east"));
}

#[test]
fn sheets_by_name_and_index() {
    let by_name = ReadOptions::default().with_sheet(SheetSelector::Name("other".into()));
    let by_index = ReadOptions::default().with_sheet(SheetSelector::Index(1));
    for opts in [by_name, by_index] {
        let f = read_path(&data("sensors.xlsx"), &opts).unwrap();
        assert_eq!(f.schema().timestamp_field.as_deref(), Some("ts"));
        assert_eq!(f.column("load").unwrap(), [10.0, 20.0, 30.0]);
        // Excel serials in a time-named column: 45672 is 2025-01-15.
        assert_eq!(
            f.timestamps().unwrap()[0],
            Timestamp::parse("2025-01-15T00:00:00Z").unwrap()
        );
    }
    let e = read_path(
        &data("sensors.xlsx"),
        &ReadOptions::default().with_sheet(SheetSelector::Index(7)),
    )
    .unwrap_err();
    assert!(matches!(e, IngestError::InvalidOptions { .. }), "{e}");
    assert!(e.to_string().contains("readings, other"), "{e}");
}

#[test]
fn plain_xlsx_and_ods_read_alike() {
    for name in ["plain.xlsx", "plain.ods"] {
        let f = read_path(&data(name), &ReadOptions::default()).unwrap();
        assert_eq!(f.schema().timestamp_field, None, "{name}");
        assert_eq!(f.column("price").unwrap(), [1.0, 2.25, 3.0], "{name}");
        assert_eq!(f.category("name").unwrap().dictionary(), ["a", "b", "c"]);
        // The content alone tells a spreadsheet.
        let bytes = std::fs::read(data(name)).unwrap();
        assert_eq!(stratos_ingest::sniff_format(&bytes), Format::Spreadsheet);
        let g = read_bytes(&bytes, &ReadOptions::default()).unwrap();
        crate::assert_same_frame(&f, &g);
    }
}

#[test]
fn broken_spreadsheets_are_errors() {
    let bytes = std::fs::read(data("sensors.xlsx")).unwrap();
    let opts = ReadOptions::default()
        .with_format(Format::Spreadsheet)
        .with_source_name("s.xlsx");
    for cut in [0, 4, 100, bytes.len() / 2, bytes.len() - 1] {
        let e = read_bytes(&bytes[..cut], &opts).unwrap_err();
        assert!(e.is_bad_data(), "{cut}: {e}");
        assert!(e.to_string().starts_with("s.xlsx: "), "{e}");
    }
    let e = read_bytes(b"a,b\n1,2\n", &opts).unwrap_err();
    assert!(matches!(e, IngestError::Unsupported { .. }), "{e}");
    // A CSV named .xlsx.
    let dir = std::env::temp_dir().join(format!("stratos-xlsx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fake.xlsx");
    std::fs::write(&path, "a,b\n1,2\n").unwrap();
    let e = read_path(&path, &ReadOptions::default()).unwrap_err();
    assert!(e.is_bad_data(), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn formulas_read_as_their_cached_values() {
    let f = read_path(&data("formulas_cached.xlsx"), &ReadOptions::default()).unwrap();
    assert_eq!(f.column("double").unwrap(), [3.0, 5.0, 0.0, 8.0]);
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("date"));
}

#[test]
fn a_merged_title_row_is_skipped_and_a_time_gap_names_sheet_row_and_column() {
    let f = read_path(&data("titled.xlsx"), &ReadOptions::default()).unwrap();
    let s = f.schema();
    assert_eq!(s.timestamp_field.as_deref(), Some("time"));
    assert_eq!(s.value_fields, ["temp"]);
    assert_eq!(s.category_fields, ["unit"]);
    assert_eq!(f.column("temp").unwrap(), [20.0, 21.5]);
    assert_eq!(
        f.timestamps().unwrap()[1],
        Timestamp::parse("2025-01-16T00:00:00Z").unwrap()
    );
    let e = read_path(
        &data("titled.xlsx"),
        &ReadOptions::default()
            .with_sheet(SheetSelector::Name("gap".into()))
            .with_source_name("t.xlsx"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.xlsx[gap]:3: column `ts`: expected a timestamp, found ``"
    );
    assert_eq!(e.location().line, Some(3));
    assert!(e.is_bad_data());
}

#[test]
fn a_far_cell_is_refused_before_allocating() {
    let e = read_path(
        &data("far_cell.xlsx"),
        &ReadOptions::default().with_source_name("far.xlsx"),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::Cells,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "far.xlsx[Sheet]: input exceeds the limit of 500000000 cells (raise it with --max-cells)"
    );
}

#[test]
fn an_ods_repeat_bomb_is_an_error() {
    let e = read_path(&data("repeat_bomb.ods"), &ReadOptions::default()).unwrap_err();
    assert!(e.is_bad_data(), "{e}");
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::Cells,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn without_a_sheet_the_first_with_time_and_numbers_is_read_and_named() {
    // cover_sheet.xlsx (openpyxl, gen_cover.py): a cover page, a notes sheet, readings.
    let bytes = std::fs::read(data("cover_sheet.xlsx")).unwrap();
    let read = read_spreadsheet(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(read.sheet.as_deref(), Some("readings"));
    assert_eq!(read.chosen_by, SheetChoice::TimeAndNumeric);
    let shapes: Vec<(&str, usize, usize)> = read
        .sheets
        .iter()
        .map(|s| (s.name.as_str(), s.rows, s.columns))
        .collect();
    assert_eq!(
        shapes,
        [("Cover", 4, 2), ("notes", 3, 2), ("readings", 5, 3)]
    );
    let f = &read.frame;
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("time"));
    assert_eq!(f.column("temperature").unwrap(), [20.5, 21.0, 35.5, 21.5]);
    // read_path reads the same sheet; --sheet still picks any.
    let same = read_path(&data("cover_sheet.xlsx"), &ReadOptions::default()).unwrap();
    crate::assert_same_frame(&same, f);
    let cover = read_spreadsheet(
        &bytes,
        &ReadOptions::default().with_sheet(SheetSelector::Index(0)),
    )
    .unwrap();
    assert_eq!(cover.sheet.as_deref(), Some("Cover"));
    assert_eq!(cover.chosen_by, SheetChoice::Selected);
    assert!(cover.frame.timestamps().is_none());
    // A workbook without such a sheet reads its first sheet with data, as before.
    let plain = read_spreadsheet(
        &std::fs::read(data("titled.xlsx")).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(plain.chosen_by, SheetChoice::TimeAndNumeric);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mangled_spreadsheets_never_panic(
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let mut bytes = std::fs::read(data("sensors.xlsx")).unwrap();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        for opts in [
            ReadOptions::default(),
            ReadOptions::default().with_format(Format::Spreadsheet),
            ReadOptions::default().with_sheet(SheetSelector::Index(1)),
        ] {
            let _ = read_bytes(&bytes, &opts);
        }
    }

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&bytes);
        let mut ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        ole.extend_from_slice(&bytes);
        for b in [&bytes, &zip, &ole] {
            let _ = read_bytes(b, &ReadOptions::default().with_format(Format::Spreadsheet));
            let _ = read_bytes(b, &ReadOptions::default());
        }
    }
}

#[test]
fn a_calamine_overflow_is_an_error_not_a_panic() {
    // Found by the `xlsx` fuzzer: a worksheet whose `<dimension ref>` is inverted makes
    // calamine 0.38 subtract with overflow (a panic under overflow checks, as in this test
    // build). The read runs on its own thread and reports it.
    stratos_ingest::silence_contained_panics();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions/xlsx/calamine_inverted_dimension_overflow.xlsx");
    let bytes = std::fs::read(path).unwrap();
    let e = read_bytes(&bytes, &ReadOptions::default().with_source_name("d.xlsx")).unwrap_err();
    assert!(matches!(e, IngestError::Unsupported { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(
            "d.xlsx: not a readable spreadsheet: calamine failed on it (it panicked: "
        ),
        "{e}"
    );
}

#[test]
fn an_xls_written_by_xlwt_passes_the_guard_and_reads() {
    // BIFF8 as xlwt writes it (`tests/data/gen_xlwt_readings.py`): the XLS guard reads its
    // compound file and every sheet's records before calamine, and lets it through, even
    // under a tight budget.
    let tight = ReadOptions::default().with_limits(
        stratos_ingest::Limits::default()
            .with_max_memory(1 << 20)
            .with_max_cells(100),
    );
    let f = read_path(&data("xlwt_readings.xls"), &tight).unwrap();
    assert_eq!(f.len(), 6);
    let s = f.schema();
    assert_eq!(s.timestamp_field.as_deref(), Some("time"));
    assert_eq!(s.value_fields, ["value"]);
    assert_eq!(s.category_fields, ["site"]);
    assert_eq!(f.column("value").unwrap(), [0.0, 1.5, 3.0, 4.5, 6.0, 7.5]);
    assert_eq!(
        f.timestamps().unwrap()[5],
        Timestamp::parse("2025-01-15T15:00:00Z").unwrap()
    );
    // Too few cells for its sheets: refused by the guard, before calamine.
    let tiny =
        ReadOptions::default().with_limits(stratos_ingest::Limits::default().with_max_cells(10));
    let e = read_path(&data("xlwt_readings.xls"), &tiny).unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::Cells,
                ..
            }
        ),
        "{e:?}"
    );
}
