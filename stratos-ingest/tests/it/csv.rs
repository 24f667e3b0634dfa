//! CSV and TSV: delimiters, quotes, BOM, CRLF, headers, types, errors.

use stratos_core::{Frame, Timestamp};
use stratos_ingest::{Format, IngestError, ReadOptions, SAMPLE_ROWS, read_bytes, read_path};

use crate::data;

fn read(name: &str) -> Frame {
    read_path(&data(name), &ReadOptions::default()).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn text(frame: &Frame, column: &str) -> Vec<Option<String>> {
    let c = frame.category(column).unwrap();
    (0..c.len()).map(|i| c.get(i).map(str::to_owned)).collect()
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some((*v).to_owned())).collect()
}

/// The three-column sensor fixture, whatever its delimiter.
fn assert_sensor_frame(f: &Frame) {
    assert_eq!(f.len(), 3);
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("timestamp"));
    assert_eq!(f.schema().value_fields, ["value"]);
    assert_eq!(f.schema().category_fields, ["stream_id"]);
    assert_eq!(
        f.timestamps().unwrap(),
        [
            ts("2025-01-15T10:30:00Z"),
            ts("2025-01-15T10:31:00Z"),
            ts("2025-01-15T10:32:00Z")
        ]
    );
    assert_eq!(f.column("value").unwrap(), [23.5, -1.25, 1000.0]);
    assert_eq!(
        text(f, "stream_id"),
        some(&["sensor_01", "sensor_02", "sensor_01"])
    );
    assert_eq!(
        f.category("stream_id").unwrap().dictionary(),
        ["sensor_01", "sensor_02"]
    );
}

#[test]
fn comma_file_reads_exact_values() {
    assert_sensor_frame(&read("comma.csv"));
}

#[test]
fn tab_file_reads_by_extension_and_by_sniffing() {
    assert_sensor_frame(&read("tab.tsv"));
    let bytes = std::fs::read(data("tab.tsv")).unwrap();
    assert_sensor_frame(&read_bytes(&bytes, &ReadOptions::default()).unwrap());
    assert_sensor_frame(
        &read_bytes(&bytes, &ReadOptions::default().with_format(Format::Tsv)).unwrap(),
    );
}

#[test]
fn semicolon_file() {
    let f = read("semicolon.csv");
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("date"));
    assert_eq!(f.schema().value_fields, ["close", "volume"]);
    assert_eq!(f.schema().category_fields, ["symbol"]);
    assert_eq!(f.column("close").unwrap(), [150.25, 151.5, 402.75]);
    assert_eq!(f.column("volume").unwrap(), [1000.0, 1200.0, 900.0]);
    assert_eq!(f.timestamps().unwrap()[2], ts("2025-01-15"));
    assert_eq!(text(&f, "symbol"), some(&["AAPL", "AAPL", "MSFT"]));
    assert_eq!(f.main_series().unwrap().name, "close");
}

#[test]
fn pipe_file_with_space_separated_datetimes() {
    let f = read("pipe.csv");
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("time"));
    assert_eq!(
        f.timestamps().unwrap(),
        [ts("2025-01-15T10:30:00Z"), ts("2025-01-15T10:30:05Z")]
    );
    assert_eq!(f.column("cpu").unwrap(), [0.25, 0.5]);
    assert_eq!(text(&f, "host"), some(&["web-1", "web-2"]));
}

#[test]
fn explicit_delimiter_overrides_sniffing() {
    // `,` and `;` both split every row in two; sniffing prefers `,`, the caller knows better.
    let input = b"a,b;c\n1,2;3\n4,5;6\n";
    let f = read_bytes(input, &ReadOptions::default()).unwrap();
    assert_eq!(f.schema().value_fields, ["a"]);
    assert_eq!(text(&f, "b;c"), some(&["2;3", "5;6"]));
    let f = read_bytes(input, &ReadOptions::default().with_delimiter(b';')).unwrap();
    // In a `;`-delimited file `1,2` is a number with a decimal comma.
    assert_eq!(f.column("a,b").unwrap(), [1.2, 4.5]);
    assert_eq!(f.column("c").unwrap(), [3.0, 6.0]);
    let f = read_bytes(
        input,
        &ReadOptions::default()
            .with_delimiter(b';')
            .with_decimal(b'.'),
    )
    .unwrap();
    assert_eq!(f.schema().category_fields, ["a,b"]);
}

#[test]
fn quoted_fields_hold_delimiters_quotes_and_line_breaks() {
    let f = read("quoted.csv");
    assert_eq!(f.len(), 4);
    assert_eq!(
        text(&f, "note"),
        some(&["hello, world", "she said \"hi\"", "two\nlines", "plain"])
    );
    assert_eq!(f.column("id").unwrap(), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(f.column("value").unwrap(), [1.5, 2.5, 3.5, 4.5]);
    assert_eq!(f.schema().timestamp_field, None);
}

#[test]
fn a_row_after_a_quoted_line_break_reports_its_physical_line() {
    let input = b"id,note\n1,\"two\nlines\"\n2,x\n3\n";
    let e = read_bytes(input, &ReadOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "line 5: expected 2 fields, found 1");
}

#[test]
fn bom_and_crlf_are_handled() {
    let f = read("bom_crlf.csv");
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("timestamp"));
    assert_eq!(f.column("value").unwrap(), [1.5, 2.5]);
    assert_eq!(f.len(), 2);
}

#[test]
fn crlf_errors_count_physical_lines() {
    let e = read_bytes(b"a,b\r\n1,2\r\n\r\n3\r\n", &ReadOptions::default()).unwrap_err();
    assert_eq!(e.location().line, Some(4));
}

#[test]
fn headerless_numeric_file_gets_generated_names() {
    let f = read("headerless.csv");
    assert_eq!(
        f.schema().value_fields,
        ["column_1", "column_2", "column_3"]
    );
    assert_eq!(f.column("column_1").unwrap(), [1.0, 4.0, 7.0]);
    assert_eq!(f.column("column_2").unwrap(), [2.5, 5.5, 8.5]);
    assert_eq!(f.column("column_3").unwrap(), [-3.0, -6.0, -9.0]);
}

#[test]
fn explicit_header_flag_overrides_sniffing() {
    let input = b"1,2\n3,4\n";
    let f = read_bytes(input, &ReadOptions::default().with_header(true)).unwrap();
    assert_eq!(f.schema().value_fields, ["1", "2"]);
    assert_eq!(f.column("1").unwrap(), [3.0]);
    let f = read_bytes(
        b"timestamp,value\n",
        &ReadOptions::default().with_header(false),
    )
    .unwrap();
    assert_eq!(f.schema().category_fields, ["column_1", "column_2"]);
    assert_eq!(text(&f, "column_1"), some(&["timestamp"]));
}

#[test]
fn missing_tokens_read_as_nan() {
    let f = read("missing.csv");
    let v = f.column("value").unwrap();
    assert_eq!(v.len(), 10);
    assert!(v[..9].iter().all(|x| x.is_nan()), "{v:?}");
    assert_eq!(v[9], 42.0);
}

#[test]
fn missing_tokens_in_text_columns_are_missing_values() {
    let f = read_bytes(b"id,tag\n1,x\n2,NA\n3,\n4,y\n", &ReadOptions::default()).unwrap();
    assert_eq!(
        text(&f, "tag"),
        [Some("x".to_owned()), None, None, Some("y".to_owned())]
    );
}

#[test]
fn timestamp_columns_rfc3339_date_datetime_and_epoch() {
    let f = read("times.csv");
    // `epoch` is named like time, so its integers are epoch seconds/milliseconds.
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("epoch"));
    assert_eq!(
        f.timestamps().unwrap(),
        [ts("2025-01-15T10:30:00Z"), ts("2025-01-15T10:31:00Z")]
    );
    // Other timestamp columns keep their text.
    assert_eq!(f.schema().category_fields, ["created", "day"]);
    assert_eq!(
        text(&f, "created"),
        some(&["2025-01-15T10:30:00+01:00", "2025-01-15 10:31:00"])
    );
    assert_eq!(f.schema().value_fields, ["reading"]);
}

#[test]
fn integers_are_numbers_unless_the_name_says_time() {
    let f = read_bytes(
        b"id,when,v\n1736937000,2025-01-15,1\n1736937060,2025-01-16,2\n",
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("when"));
    assert_eq!(f.column("id").unwrap(), [1_736_937_000.0, 1_736_937_060.0]);
    let f = read_bytes(
        b"TS,v\n1736937000,1\n1736937060,2\n",
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("TS"));
    assert_eq!(f.timestamps().unwrap()[1], ts("2025-01-15T10:31:00Z"));
}

#[test]
fn a_missing_time_is_an_error_with_line_and_column() {
    let input = b"timestamp,value\n2025-01-15,1\n\n2025-01-16,2\n,3\n";
    let e = read_bytes(input, &ReadOptions::default().with_source_name("data.csv")).unwrap_err();
    assert!(matches!(e, IngestError::Cell { .. }));
    assert!(e.is_bad_data());
    assert_eq!(
        e.to_string(),
        "data.csv:5: column `timestamp`: expected a timestamp (the time column cannot have \
         missing cells), found ``"
    );
    assert_eq!(e.location().column.as_deref(), Some("timestamp"));
}

#[test]
fn ragged_row_reports_line_and_counts() {
    let e = read_path(&data("ragged.csv"), &ReadOptions::default()).unwrap_err();
    let path = data("ragged.csv").display().to_string();
    assert_eq!(
        e.to_string(),
        format!("{path}:5: expected 3 fields, found 2")
    );
    match &e {
        IngestError::Ragged {
            expected, found, ..
        } => assert_eq!((*expected, *found), (3, 2)),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.location().line, Some(5));
    assert_eq!(e.location().path.as_deref(), Some(path.as_str()));
}

#[test]
fn ragged_row_after_the_sample_window() {
    let mut input = String::from("a,b\n");
    for i in 0..SAMPLE_ROWS + 500 {
        input.push_str(&format!("{i},{i}\n"));
    }
    input.push_str("1,2,3\n");
    let e = read_bytes(input.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert_eq!(e.location().line, Some(SAMPLE_ROWS as u64 + 502));
    assert!(matches!(e, IngestError::Ragged { found: 3, .. }));
}

/// Rows past the sample window, with `tail` as the last row's `value` cell.
fn late_cell(tail: &str, quoted: bool) -> Vec<u8> {
    let mut input = String::from("timestamp,stream_id,value\n");
    for i in 0..SAMPLE_ROWS * 3 {
        let id = if quoted && i == 0 {
            "\"s,0\"".to_owned()
        } else {
            format!("s{}", i % 3)
        };
        input.push_str(&format!(
            "{},{id},{i}.5\n",
            Timestamp::from_epoch_seconds(i as i64).unwrap()
        ));
    }
    input.push_str(&format!("1970-01-02T00:00:00Z,s9,{tail}\n"));
    input.into_bytes()
}

#[test]
fn text_in_a_numeric_column_after_the_sample_makes_it_a_category() {
    for quoted in [false, true] {
        let f = read_bytes(&late_cell("oops", quoted), &ReadOptions::default()).unwrap();
        assert_eq!(f.len(), SAMPLE_ROWS * 3 + 1);
        assert_eq!(f.schema().value_fields, Vec::<String>::new());
        assert_eq!(f.schema().category_fields, ["stream_id", "value"]);
        let v = f.category("value").unwrap();
        assert_eq!(v.get(0), Some("0.5"));
        assert_eq!(v.get(SAMPLE_ROWS * 3), Some("oops"));
        assert_eq!(f.timestamps().unwrap()[SAMPLE_ROWS * 3], ts("1970-01-02"));
        // A late missing token is just NaN.
        let f = read_bytes(&late_cell("NA", quoted), &ReadOptions::default()).unwrap();
        let v = f.column("value").unwrap();
        assert!(v[SAMPLE_ROWS * 3].is_nan());
        assert_eq!(v[1], 1.5);
    }
}

#[test]
fn an_unreadable_time_after_the_sample_demotes_the_time_column() {
    let mut input = String::from("timestamp,value\n");
    for i in 0..SAMPLE_ROWS + 10 {
        input.push_str(&format!(
            "{},{i}\n",
            Timestamp::from_epoch_seconds(i as i64).unwrap()
        ));
    }
    input.push_str("not a time,1\n");
    let f = read_bytes(input.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(f.schema().timestamp_field, None);
    assert_eq!(f.schema().category_fields, ["timestamp"]);
    assert_eq!(
        f.category("timestamp").unwrap().get(SAMPLE_ROWS + 10),
        Some("not a time")
    );
}

#[test]
fn a_column_empty_in_the_sample_takes_its_type_from_later_rows() {
    let mut input = String::from("x,label\n");
    for i in 0..SAMPLE_ROWS + 10 {
        input.push_str(&format!("{i},\n"));
    }
    input.push_str("1,late text\n");
    let f = read_bytes(input.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(f.schema().category_fields, ["label"]);
    assert_eq!(f.category("label").unwrap().get(0), None);
    assert_eq!(
        f.category("label").unwrap().get(SAMPLE_ROWS + 10),
        Some("late text")
    );
}

#[test]
fn empty_input_is_an_empty_frame() {
    for input in [&b""[..], b"\n\n", b"\xEF\xBB\xBF", b"\r\n  \r\n"] {
        let f = read_bytes(input, &ReadOptions::default().with_format(Format::Csv)).unwrap();
        assert!(f.is_empty());
        assert!(f.numeric_columns().is_empty() && f.category_columns().is_empty());
        assert_eq!(f.timestamps(), None);
    }
}

#[test]
fn header_only_input_is_an_empty_frame_with_numeric_columns() {
    let f = read_bytes(b"timestamp,value,stream_id\n", &ReadOptions::default()).unwrap();
    assert!(f.is_empty());
    assert_eq!(f.schema().value_fields, ["timestamp", "value", "stream_id"]);
    assert_eq!(f.timestamps(), None);
}

#[test]
fn duplicate_and_empty_header_names_are_made_unique() {
    let f = read_bytes(b"v,v,\n1,2,3\n", &ReadOptions::default()).unwrap();
    assert_eq!(f.schema().value_fields, ["v", "v_2", "column_3"]);
}

#[test]
fn large_quoted_input_is_read_on_the_csv_path() {
    // Big enough to be cut into blocks; a quote deep inside sends it to the csv tokenizer.
    let mut input = String::from("timestamp,note,value\n");
    let n = 120_000;
    for i in 0..n {
        let note = if i == n - 10 {
            "\"a,\nb\"".to_owned()
        } else {
            format!("n{}", i % 5)
        };
        input.push_str(&format!(
            "{},{note},{i}\n",
            Timestamp::from_epoch_seconds(i as i64).unwrap()
        ));
    }
    let f = read_bytes(input.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), n);
    assert_eq!(f.category("note").unwrap().get(n - 10), Some("a,\nb"));
    let v = f.column("value").unwrap();
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64));
}

#[test]
fn non_utf8_text_is_replaced_not_refused() {
    let f = read_bytes(b"id,name\n1,caf\xe9\n", &ReadOptions::default()).unwrap();
    assert_eq!(f.category("name").unwrap().get(0), Some("caf\u{fffd}"));
}

#[test]
fn read_reader_matches_read_bytes() {
    let bytes = std::fs::read(data("comma.csv")).unwrap();
    let a = stratos_ingest::read_reader(&bytes[..], &ReadOptions::default()).unwrap();
    let b = read_bytes(&bytes, &ReadOptions::default()).unwrap();
    crate::assert_same_frame(&a, &b);
}

#[test]
fn missing_file_is_not_found() {
    let e = read_path(&data("nope.csv"), &ReadOptions::default()).unwrap_err();
    assert!(e.is_not_found());
    assert!(!e.is_bad_data());
    assert!(matches!(e, IngestError::Io { .. }));
}
