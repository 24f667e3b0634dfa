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
