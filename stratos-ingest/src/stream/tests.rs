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

/// A source handing out its pieces one per read, counting the reads.
struct Pieces {
    pieces: std::collections::VecDeque<&'static [u8]>,
    reads: std::rc::Rc<std::cell::Cell<usize>>,
}

impl io::Read for Pieces {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.reads.set(self.reads.get() + 1);
        let Some(piece) = self.pieces.pop_front() else {
            return Ok(0);
        };
        let n = piece.len().min(out.len());
        out[..n].copy_from_slice(&piece[..n]);
        if n < piece.len() {
            self.pieces.push_front(&piece[n..]);
        }
        Ok(n)
    }
}

fn pieces(list: &[&'static [u8]]) -> (io::BufReader<Pieces>, std::rc::Rc<std::cell::Cell<usize>>) {
    let reads = std::rc::Rc::new(std::cell::Cell::new(0));
    let source = Pieces {
        pieces: list.iter().copied().collect(),
        reads: reads.clone(),
    };
    (io::BufReader::new(source), reads)
}

#[test]
fn a_buffered_next_line_is_read_without_going_to_the_source() {
    // Lines arrive in pieces, some split mid-line, as from a pipe fed live.
    let list: &[&[u8]] = &[
        b"{\"v\":1}\n{\"v\":2}\n{\"v\"",
        b":3}\n",
        b"{\"v\":4}\n\n{\"v\":5}",
        b"\n",
    ];
    let (input, reads) = pieces(list);
    let mut rows = NdjsonRows::new(input, &ReadOptions::default()).unwrap();
    let mut r = Record::new("");
    let mut pulled = 0;
    let mut flagged = Vec::new();
    loop {
        let buffered = rows.next_line_buffered();
        flagged.push(buffered);
        let before = reads.get();
        let done = rows.next_record(&mut r).unwrap().is_none();
        if buffered {
            // The promise: a buffered next line never goes back to the source.
            assert_eq!(reads.get(), before, "line {}", rows.line());
        } else {
            // Each time it is not, this input did need the source.
            assert!(reads.get() > before, "line {}", rows.line());
        }
        if done {
            break;
        }
        pulled += 1;
    }
    assert_eq!(pulled, 6);
    assert_eq!(flagged, [false, true, false, false, true, false, false]);

    let list: &[&[u8]] = &[b"t,v\n1,2\n", b"2,3\n3,", b"4\n"];
    let (input, reads) = pieces(list);
    let mut rows = CsvRows::new(input, &ReadOptions::default()).unwrap();
    let mut row = CsvRow::default();
    assert!(rows.next_line_buffered());
    let before = reads.get();
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Row)
    ));
    assert_eq!(reads.get(), before);
    assert!(!rows.next_line_buffered());
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Row)
    ));
    assert!(reads.get() > before);
    assert!(!rows.next_line_buffered());
    assert!(matches!(
        rows.next_row(&mut row).unwrap(),
        Some(Pulled::Row)
    ));
    assert_eq!(rows.number(&row, 1).unwrap(), 4.0);
    assert!(!rows.next_line_buffered());
    assert!(rows.next_row(&mut row).unwrap().is_none());
}

#[test]
fn objects_read_directly_equal_objects_read_through_a_map() {
    let lines: &[&str] = &[
        r#"{"stream_id":"s1","value":1.5}"#,
        r#"{"value":2,"stream_id":"s2","value":3}"#,
        r#"{"b":1,"a":2,"stream_id":"x","a":4,"c":{"d":[1,2]}}"#,
        r#"{"stream_id":"a","payload":{"value":2,"stream_id":"inner"},"timestamp":"2025-01-01T00:01:00Z"}"#,
        r#"{"sensor_id":"b","value":3,"ts":1735689600,"metadata":{"x":1}}"#,
        r#"{"stream":"c","data":{"value":4},"time":"2025-01-01T00:03:00Z","arr":[1,2]}"#,
        r#"{"symbol":"d","value":5,"timestamp":null,"ts":1735689700}"#,
        r#"{"stream_id":7,"value":6,"data_type":"SENSOR","dataType":"weird"}"#,
        r#"{"stream_id":"a","value":8,"timestamp":"bad time"}"#,
        r#"{"stream_id":"\u00e9t\"é","value":1e400}"#,
        r#"{"v":1} trailing"#,
        r#"{v:1, 'w': NaN}"#,
        r#"[1,2]"#,
        r#"{"a":[[[[[[[[[[1]]]]]]]]]]}"#,
    ];
    let opts = ReadOptions::default().with_limits(Limits::default().with_max_nesting_depth(6));
    let rules = RecordRules::default();
    for line in lines {
        let mut rows = NdjsonRows::new(line.as_bytes(), &opts).unwrap();
        let mut direct = Record::new("");
        let got = rows.next_record(&mut direct).unwrap().unwrap();
        let mut mapped = Record::new("");
        let want = ndjson::decode_line(line.as_bytes(), 1, opts.limits(), &rules, &mut mapped);
        match (&got, &want) {
            (Pulled::Row, Pulled::Row) => assert_eq!(direct, mapped, "{line}"),
            (Pulled::Bad(a), Pulled::Bad(b)) => assert_eq!(a.to_string(), b.to_string(), "{line}"),
            _ => panic!("{line}: {got:?} vs {want:?}"),
        }
    }
}
