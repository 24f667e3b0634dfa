//! The pull readers and the limits and refusals of issue 15 in the CSV/JSON/NDJSON readers.

use std::io::Read;

use stratos_core::Record;
use stratos_ingest::stream::{CsvRow, CsvRows, NdjsonRows, Pulled};
use stratos_ingest::{IngestError, LimitKind, Limits, ReadOptions, read_bytes};

#[test]
fn an_unclosed_quote_in_a_csv_is_a_located_error() {
    let mut text = String::from("ts,note,v\n");
    for i in 0..200 {
        let note = if i == 49 { "\"broken" } else { "fine" };
        text.push_str(&format!(
            "2024-01-01T00:{:02}:{:02}Z,{note},{i}\n",
            i / 60,
            i % 60
        ));
    }
    let e = read_bytes(
        text.as_bytes(),
        &ReadOptions::default().with_source_name("q.csv"),
    )
    .unwrap_err();
    assert!(e.is_bad_data());
    assert_eq!(
        e.to_string(),
        "q.csv:51: a quoted field opens here and is never closed (every later row would be \
         swallowed into it): close the quote or escape it as `\"\"`"
    );
}

#[test]
fn utf16_csv_gets_a_clear_message() {
    let text = "timestamp,value\n2024-01-01,1\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let e = read_bytes(&bytes, &ReadOptions::default().with_source_name("u16.csv")).unwrap_err();
    assert!(e.is_bad_data());
    assert!(
        e.to_string()
            .starts_with("u16.csv:1: the input is UTF-16 text; convert it to UTF-8 first"),
        "{e}"
    );
    let e = CsvRows::new(&bytes[..], &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("UTF-16"), "{e}");
}

#[test]
fn limits_in_the_batch_readers() {
    let lim = |l: Limits| ReadOptions::default().with_limits(l);
    let e = read_bytes(
        b"a,b\n1,2\n3,4444444444444\n",
        &lim(Limits::default().with_max_line_bytes(10)),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3: input exceeds the limit of 10 bytes in one line (raise it with --max-line-bytes)"
    );
    let e = read_bytes(
        b"a,b,c\n1,2,3\n",
        &lim(Limits::default().with_max_columns(2)),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::Columns,
                ..
            }
        ),
        "{e}"
    );
    let e = read_bytes(
        b"a,b\n1,2\n3,4\n",
        &lim(Limits::default().with_max_cells(4)),
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
    let deep = format!("[{{\"a\":{}1{}}}]", "[".repeat(50), "]".repeat(50));
    let e = read_bytes(
        deep.as_bytes(),
        &lim(Limits::default().with_max_nesting_depth(16)),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::NestingDepth,
                ..
            }
        ),
        "{e}"
    );
    // Each record bringing new keys: stopped at the column budget, not grown quadratically.
    let mut sparse = String::from("[");
    for i in 0..500 {
        sparse.push_str(&format!("{}{{\"k{i}\":1}}", if i > 0 { "," } else { "" }));
    }
    sparse.push(']');
    let e = read_bytes(
        sparse.as_bytes(),
        &lim(Limits::default().with_max_columns(100)),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::Columns,
                ..
            }
        ),
        "{e}"
    );
    let e = read_bytes(
        b"{\"v\":1}\n{\"v\":2}\n{\"v\":3}\n",
        &lim(Limits::default().with_max_cells(5)),
    )
    .unwrap_err();
    assert_eq!(e.location().line, Some(2));
}

#[test]
fn a_line_far_over_the_budget_is_skipped_without_holding_it() {
    // 200 MiB without a line break, then a good record: never held in memory whole.
    let huge = std::io::repeat(b'x').take(200 << 20);
    let input = std::io::BufReader::new(b"{\"v\":1}\n".chain(huge).chain(&b"\n{\"v\":2}\n"[..]));
    let mut rows = NdjsonRows::new(input, &ReadOptions::default()).unwrap();
    let mut r = Record::new("");
    let mut seen = Vec::new();
    while let Some(p) = rows.next_record(&mut r).unwrap() {
        seen.push(match p {
            Pulled::Row => format!("row {}", r.number("v").unwrap()),
            Pulled::Bad(e) => e.to_string(),
            Pulled::Blank => "blank".into(),
            _ => "other".into(),
        });
    }
    assert_eq!(
        seen,
        [
            "row 1",
            "line 2: input exceeds the limit of 67108864 bytes in one line (raise it with --max-line-bytes)",
            "row 2"
        ]
    );
}

#[test]
fn csv_rows_follow_the_stream_rules() {
    let input: &[u8] = b"\xEF\xBB\xBFsensor_id;time;temp\nA;14/03/2024 10:00;21,5\n\nB;15/03/2024 10:00;n/d\nC;bad;1\n";
    let opts = ReadOptions::default()
        .with_decimal(b',')
        .with_missing_markers(["n/d"]);
    let mut rows = CsvRows::new(input, &opts).unwrap();
    assert_eq!(rows.delimiter(), b';');
    assert_eq!(
        (rows.stream_column(), rows.time_column()),
        (Some(0), Some(1))
    );
    let mut row = CsvRow::default();
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Row)
    ));
    assert_eq!(rows.stream(&row), "A");
    assert_eq!(rows.number(&row, 2).unwrap(), 21.5);
    assert_eq!(
        rows.time(&row).unwrap().unwrap().to_string(),
        "2024-03-14T10:00:00Z"
    );
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Blank)
    ));
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Row)
    ));
    assert!(rows.number(&row, 2).unwrap().is_nan());
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Row)
    ));
    let e = rows.time(&row).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 5: column `time`: expected a timestamp"),
        "{e}"
    );
    assert!(rows.next_row(&mut row).unwrap().is_none());
    assert_eq!(rows.lines_before_rows(), (0, 0, 1));
}
