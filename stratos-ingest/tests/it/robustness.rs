//! No input makes a reader panic: arbitrary and truncated bytes, for every format; every
//! answer is a consistent frame or a bad-data error naming a line inside the input.

use proptest::prelude::*;
use stratos_ingest::{Format, ReadOptions, read_bytes};

fn all_options() -> Vec<ReadOptions> {
    vec![
        ReadOptions::default(),
        ReadOptions::default().with_format(Format::Csv),
        ReadOptions::default().with_format(Format::Tsv),
        ReadOptions::default().with_format(Format::Ndjson),
        ReadOptions::default().with_format(Format::Json),
        ReadOptions::default().with_format(Format::Text),
        ReadOptions::default()
            .with_format(Format::Csv)
            .with_header(false)
            .with_delimiter(b';'),
        ReadOptions::default()
            .with_header(true)
            .with_delimiter(0xff),
    ]
}

/// Reads `bytes` with every option set: each answer is a frame whose columns fit its length,
/// or a bad-data error naming a line inside the input.
fn check_all(bytes: &[u8]) {
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for o in all_options() {
        match read_bytes(bytes, &o) {
            Ok(f) => {
                assert!(
                    f.numeric_columns()
                        .iter()
                        .all(|c| c.values.len() == f.len())
                );
                assert!(f.category_columns().iter().all(|c| c.len() == f.len()));
                assert!(f.timestamps().is_none_or(|t| t.len() == f.len()));
            }
            Err(e) => {
                assert!(e.is_bad_data(), "{e:?}");
                if let Some(line) = e.location().line {
                    assert!((1..=lines).contains(&line), "{e}");
                }
            }
        }
    }
}

/// Bytes drawn mostly from CSV's structural characters, so the tokenizer's corners get hit.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just(b','),
            Just(b'\t'),
            Just(b';'),
            Just(b'"'),
            Just(b'\n'),
            Just(b'\r'),
            Just(b' '),
            Just(b'-'),
            Just(b'.'),
            Just(b'{'),
            Just(b'T'),
            Just(b':'),
            b'0'..=b'9',
            any::<u8>(),
        ],
        0..300,
    )
}

#[test]
fn truncated_files_never_panic() {
    for name in [
        "comma.csv",
        "quoted.csv",
        "bom_crlf.csv",
        "times.csv",
        "records.ndjson",
        "malformed.ndjson",
        "prices.json",
        "wrapped.json",
        "records.json",
        "motors.log",
        "weather.txt",
    ] {
        let bytes = std::fs::read(crate::data(name)).unwrap();
        for cut in 0..=bytes.len() {
            check_all(&bytes[..cut]);
        }
    }
}

#[test]
fn structurally_odd_inputs_are_answered() {
    let cases: [&[u8]; 9] = [
        b"\"",
        b"\"\"\"",
        b"a,b\n\"unterminated\n",
        b"\r",
        b",,,\n,,,\n",
        b"timestamp\n2025-01-01\n\n\n",
        b"\xEF\xBB",
        b"{\"stream_id\":",
        b"timestamp,value\n9999-12-31T23:59:60Z,1\n",
    ];
    for c in cases {
        check_all(c);
    }
}

/// Bytes drawn from JSON's and text logs' structural characters and tokens.
fn jsonish_or_logish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just(&b"["[..]),
            Just(&b"]"[..]),
            Just(&b"{"[..]),
            Just(&b"}"[..]),
            Just(&b"\"a\":"[..]),
            Just(&b"\"time\":"[..]),
            Just(&b"\"stream_id\":"[..]),
            Just(&b"\"2025-01-15\""[..]),
            Just(&b","[..]),
            Just(&b"\n"[..]),
            Just(&b" "[..]),
            Just(&b"1.5"[..]),
            Just(&b"null"[..]),
            Just(&b"2025-01-15T10:00:00Z "[..]),
            Just(&b"2025-01-15: "[..]),
            Just(&b"Temp:85\xC2\xB0C "[..]),
            Just(&b"Motor-001 "[..]),
            Just(&b"Humidity 65% "[..]),
            Just(&b"#"[..]),
            Just(&b"\xff"[..]),
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn json_and_log_like_bytes_never_panic(bytes in jsonish_or_logish()) {
        check_all(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_all(&bytes);
    }

    #[test]
    fn csv_like_bytes_never_panic(bytes in csvish()) {
        check_all(&bytes);
    }

    #[test]
    fn generated_tables_round_trip(
        rows in proptest::collection::vec((0i64..4_000_000_000, "s[a-z]{0,6}", -1e9f64..1e9), 1..40)
    ) {
        let mut text = String::from("timestamp,stream_id,value\n");
        for (t, s, v) in &rows {
            let t = stratos_core::Timestamp::from_epoch_seconds(*t).unwrap();
            text.push_str(&format!("{t},{s},{v}\n"));
        }
        let f = read_bytes(text.as_bytes(), &ReadOptions::default()).unwrap();
        prop_assert_eq!(f.len(), rows.len());
        let values = f.column("value").unwrap();
        let ids = f.category("stream_id").unwrap();
        for (i, (t, s, v)) in rows.iter().enumerate() {
            prop_assert_eq!(values[i], *v);
            prop_assert_eq!(ids.get(i), Some(s.as_str()));
            prop_assert_eq!(f.timestamps().unwrap()[i].epoch_seconds(), *t);
        }
    }
}
