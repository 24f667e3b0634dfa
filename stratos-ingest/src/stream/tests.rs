use super::*;

#[test]
fn lines_over_the_budget_are_bad_lines_and_reading_goes_on() {
    let opts = ReadOptions::default().with_limits(Limits::default().with_max_line_bytes(20));
    let input = format!("{{\"v\":1}}\n{}\n{{\"v\":2}}\n", "x".repeat(100));
    let mut rows = NdjsonRows::new(input.as_bytes(), &opts).unwrap();
    let mut r = Record::new("");
    assert!(matches!(
        rows.next_record(&mut r).unwrap(),
        Some(Pulled::Row)
    ));
    match rows.next_record(&mut r).unwrap() {
        Some(Pulled::Bad(e)) => assert_eq!(
            e.to_string(),
            "line 2: input exceeds the limit of 20 bytes in one line (raise it with --max-line-bytes)"
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        rows.next_record(&mut r).unwrap(),
        Some(Pulled::Row)
    ));
    assert_eq!(r.number("v").unwrap(), 2.0);
    assert!(rows.next_record(&mut r).unwrap().is_none());
}

#[test]
fn deep_nesting_is_a_limit() {
    let opts = ReadOptions::default().with_limits(Limits::default().with_max_nesting_depth(4));
    let e = record_from_json(br#"{"a":[[[[[1]]]]]}"#, &opts).unwrap_err();
    assert!(matches!(e, IngestError::Limit { .. }), "{e}");
    assert!(record_from_json(br#"{"a":"[[[[[[["}"#, &opts).is_ok());
}

#[test]
fn an_open_quote_ends_at_its_line() {
    let input: &[u8] = b"ts,note,v\n2025-01-01,\"open,1\n2025-01-02,ok,2\n";
    let mut rows = CsvRows::new(input, &ReadOptions::default()).unwrap();
    let mut row = CsvRow::default();
    match rows.next_row(&mut row).unwrap() {
        Some(Pulled::Bad(e)) => assert_eq!(e.to_string(), "line 2: expected 3 fields, found 2"),
        other => panic!("{other:?}"),
    }
    assert!(row.had_unclosed_quote());
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Row)
    ));
    assert_eq!(rows.number(&row, 2).unwrap(), 2.0);
    assert_eq!(row.line(), 3);
}

#[test]
fn short_and_long_lines_split_alike_with_and_without_quotes() {
    let fields = |line: &[u8]| {
        let mut row = CsvRow {
            cells: line.to_vec(),
            ..CsvRow::default()
        };
        row.split_in_place(b',', &mut Vec::new());
        (0..row.len())
            .map(|i| String::from_utf8(row.get(i).unwrap().to_vec()).unwrap())
            .collect::<Vec<_>>()
    };
    let long = "x".repeat(SHORT_LINE);
    for (line, want) in [
        ("a,b,c".to_owned(), vec!["a", "b", "c"]),
        (",,".to_owned(), vec!["", "", ""]),
        ("a,b,\"c,d\"".to_owned(), vec!["a", "b", "c,d"]),
        (
            format!("{long},b,\"c\"\"d\""),
            vec![long.as_str(), "b", "c\"d"],
        ),
        (format!("{long},b"), vec![long.as_str(), "b"]),
    ] {
        assert_eq!(fields(line.as_bytes()), want, "{line}");
    }
}

#[test]
fn quoted_fields_split_like_rfc_4180() {
    let mut row = CsvRow::default();
    row.split(br#"a,"b,c","d""e",,"""""#, b',');
    let cells: Vec<&[u8]> = (0..row.len()).map(|i| row.get(i).unwrap()).collect();
    assert_eq!(cells, [&b"a"[..], b"b,c", b"d\"e", b"", b"\""]);
    assert!(!row.had_unclosed_quote());
}
