use super::*;

fn read(text: &str) -> Result<Frame, IngestError> {
    read_csv(text.as_bytes(), &CsvSettings::default(), Some("t.csv"))
}

#[test]
fn names_are_trimmed_filled_and_unique() {
    let cells: Vec<Vec<u8>> = [" a ", "", "a", "a_2", "a"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    assert_eq!(
        header_names(&cells),
        ["a", "column_2", "a_2", "a_2_2", "a_3"]
    );
}

#[test]
fn fields_split_like_slice_split() {
    let lines: [&[u8]; 10] = [
        b"",
        b",",
        b"a",
        b"a,b",
        b",,,",
        b"2025-01-01T00:00:00Z,stream_09,519.1350",
        b"abcdefgh,",
        b"abcdefg,h",
        b"\xff\xfe,,\x80\x2c\x2d",
        b"0123456789abcdef0123456789abcdef",
    ];
    for line in lines {
        for d in [b',', b'\t', 0xff, 0x80, 0] {
            let got: Vec<&[u8]> = Fields::new(line, d).collect();
            let want: Vec<&[u8]> = line.split(|&b| b == d).collect();
            assert_eq!(got, want, "{line:?} {d}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn fields_equal_slice_split_on_any_bytes(
        line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
        d in proptest::prelude::any::<u8>(),
    ) {
        let got: Vec<&[u8]> = Fields::new(&line, d).collect();
        let want: Vec<&[u8]> = line.split(|&b| b == d).collect();
        proptest::prop_assert_eq!(got, want);
    }
}

proptest::proptest! {
    /// Quote-free text is read as lines from sniffing on; a quoted header sends the sniffing,
    /// the header and the type sample through the `csv` tokenizer instead. Both must give
    /// the same frame (or the same error).
    #[test]
    fn quote_free_text_reads_as_lines_and_as_tokens_alike(
        rows in proptest::collection::vec(
            proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("1.5"),
                    proptest::strategy::Just("-2"),
                    proptest::strategy::Just("x"),
                    proptest::strategy::Just(""),
                    proptest::strategy::Just(" "),
                    proptest::strategy::Just("2025-01-02"),
                    proptest::strategy::Just("NA"),
                ],
                0..4,
            ),
            0..12,
        ),
        delimiter in proptest::sample::select(vec![",", ";", "\t", "|"]),
        crlf in proptest::prelude::any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let body: String = rows.iter().map(|r| r.join(delimiter) + eol).collect();
        let plain = format!("t{delimiter}v{eol}{body}");
        let quoted = format!("\"t\"{delimiter}v{eol}{body}");
        proptest::prop_assert!(lines_are_records(plain.as_bytes()));
        let as_lines = read(&plain).map_err(|e| e.to_string());
        let as_tokens = read(&quoted).map_err(|e| e.to_string());
        proptest::prop_assert_eq!(format!("{as_lines:?}"), format!("{as_tokens:?}"));
    }
}

#[test]
fn fast_path_needs_no_quotes_and_no_lone_cr() {
    assert!(lines_are_records(b"a,b\r\n1,2\r\n"));
    assert!(!lines_are_records(b"a,\"b\"\n"));
    assert!(!lines_are_records(b"a,b\r1,2"));
    assert!(!lines_are_records(b"a,b\r"));
}

#[test]
fn blocks_cut_at_line_breaks_and_parse_like_one_piece() {
    let mut text = String::from("timestamp,stream_id,value\n");
    for i in 0..60_000 {
        text.push_str(&format!(
            "2025-01-01T00:{:02}:{:02}Z,s{},{}.5\n",
            (i / 60) % 60,
            i % 60,
            i % 7,
            i
        ));
    }
    let bytes = text.as_bytes();
    let input = Input {
        bytes,
        delimiter: b',',
        source: None,
        start: 26,
        line_base: 0,
        rows_are_lines: false,
    };
    let ranges = input.blocks();
    assert!(ranges.len() >= 2);
    for r in &ranges {
        assert!(r.start == 26 || bytes[r.start - 1] == b'\n');
    }
    assert_eq!(ranges.last().unwrap().end, bytes.len());
    let f = read(&text).unwrap();
    assert_eq!(f.len(), 60_000);
    let v = f.column("value").unwrap();
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64 + 0.5));
    let s = f.category("stream_id").unwrap();
    assert!((0..60_000).all(|i| s.get(i) == Some(format!("s{}", i % 7).as_str())));
}

#[test]
fn a_ragged_row_in_a_later_block_reports_its_line() {
    let mut text = String::from("a,b\n");
    for i in 0..100_000 {
        text.push_str(&format!("{i},{i}\n"));
    }
    text.push_str("1,2,3\n");
    let e = read(&text).unwrap_err();
    assert_eq!(e.location().line, Some(100_002));
    assert!(matches!(
        e,
        IngestError::Ragged {
            expected: 2,
            found: 3,
            ..
        }
    ));
}

#[test]
fn unclosed_quotes_are_found_only_at_field_starts() {
    assert_eq!(unclosed_quote(b"a,b\n1,\"x\n", b','), Some(6));
    assert_eq!(unclosed_quote(b"a,b\n1,\"x,\"\"y\"\n", b','), None);
    assert_eq!(unclosed_quote(b"a,b\n1,5\" pipe\n", b','), None);
    assert_eq!(unclosed_quote(b"\"a\nb\",c\n\"", b','), Some(8));
    assert_eq!(unclosed_quote(b"", b','), None);
}

#[test]
fn rejects_quote_and_newline_delimiters() {
    for d in [b'"', b'\n', b'\r'] {
        let e = read_csv(
            b"a,b\n",
            &CsvSettings {
                delimiter: Some(d),
                ..Default::default()
            },
            None,
        )
        .unwrap_err();
        assert!(matches!(e, IngestError::InvalidOptions { .. }), "{e}");
    }
}
