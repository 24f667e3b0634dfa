//! JSON documents: arrays of objects, wrapped arrays, nested objects, record envelopes.

use stratos_core::Timestamp;
use stratos_ingest::{Format, IngestError, ReadOptions, read_bytes, read_path};

use crate::data;

#[test]
fn an_array_of_objects_keeps_key_order_and_flattens_nested_objects() {
    let f = read_path(&data("prices.json"), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 3);
    let s = f.schema();
    assert_eq!(s.timestamp_field.as_deref(), Some("date"));
    assert_eq!(s.value_fields, ["close", "quote.bid", "quote.ask"]);
    assert_eq!(s.category_fields, ["symbol", "volume", "halted"]);
    assert_eq!(
        f.timestamps().unwrap(),
        [
            Timestamp::parse("2025-01-15").unwrap(),
            Timestamp::parse("2025-01-16").unwrap(),
            Timestamp::parse("2025-01-17").unwrap(),
        ]
    );
    assert_eq!(f.column("close").unwrap(), [150.25, 151.5, 390.0]);
    assert_eq!(f.column("quote.bid").unwrap(), [150.2, 151.4, 389.9]);
    let ask = f.column("quote.ask").unwrap();
    assert_eq!((ask[0], ask[2]), (150.3, 390.1));
    assert!(ask[1].is_nan());
    // Numbers and text in one field: text.
    let volume = f.category("volume").unwrap();
    assert_eq!(
        (volume.get(0), volume.get(1), volume.get(2)),
        (Some("1200"), None, Some("n/a"))
    );
    let halted = f.category("halted").unwrap();
    assert_eq!(halted.dictionary(), ["false", "true"]);
    assert_eq!(f.category("symbol").unwrap().get(2), Some("MSFT"));
}

#[test]
fn the_first_array_member_of_an_object_holds_the_records() {
    let f = read_path(&data("wrapped.json"), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("timestamp"));
    assert_eq!(f.schema().value_fields, ["temperature"]);
    assert_eq!(f.column("temperature").unwrap(), [23.5, 23.75]);
    assert_eq!(
        f.timestamps().unwrap(),
        [
            Timestamp::parse("2024-01-15T09:50:00Z").unwrap(),
            Timestamp::parse("2024-01-15T09:51:00Z").unwrap(),
        ]
    );
}

#[test]
fn an_array_of_envelopes_reads_as_the_same_records_in_ndjson_do() {
    let json = read_path(&data("records.json"), &ReadOptions::default()).unwrap();
    let ndjson = read_path(&data("records.ndjson"), &ReadOptions::default()).unwrap();
    crate::assert_same_frame(&json, &ndjson);
    assert_eq!(json.column("temperature").unwrap(), [23.5, 21.0, 24.0]);
}

#[test]
fn content_sniffing_finds_json_and_keeps_ndjson() {
    for name in ["prices.json", "wrapped.json", "records.json"] {
        let bytes = std::fs::read(data(name)).unwrap();
        assert_eq!(stratos_ingest::sniff_format(&bytes), Format::Json, "{name}");
        let sniffed = read_bytes(&bytes, &ReadOptions::default()).unwrap();
        let explicit =
            read_bytes(&bytes, &ReadOptions::default().with_format(Format::Json)).unwrap();
        crate::assert_same_frame(&sniffed, &explicit);
    }
    let bytes = std::fs::read(data("records.ndjson")).unwrap();
    assert_eq!(stratos_ingest::sniff_format(&bytes), Format::Ndjson);
}

#[test]
fn a_record_that_is_not_an_object_is_named_by_its_index() {
    let e = read_path(&data("bad_record.json"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, IngestError::Json { .. }), "{e:?}");
    assert!(e.is_bad_data());
    assert_eq!(
        e.to_string(),
        format!(
            "{}: record 2: expected an object, found a string",
            data("bad_record.json").display()
        )
    );
}

#[test]
fn malformed_json_names_its_line_and_a_missing_time_its_column() {
    let e = read_bytes(
        b"[\n{\"v\": 1},\n{\"v\": }\n]",
        &ReadOptions::default().with_source_name("in.json"),
    )
    .unwrap_err();
    assert_eq!(e.location().line, Some(3));
    assert!(e.to_string().starts_with("in.json:3: "), "{e}");
    let e = read_bytes(
        br#"[{"time": "2025-01-15", "v": 1}, {"v": 2}]"#,
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.location().column.as_deref(), Some("time"));
    assert!(
        e.to_string().starts_with("column `time`: record 1: "),
        "{e}"
    );
}

#[test]
fn a_bad_envelope_names_its_record() {
    let e = read_bytes(
        br#"[{"stream_id": "a", "timestamp": 1}, {"stream_id": "b", "timestamp": "soon"}]"#,
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("input: record 1: "), "{e}");
}

#[test]
fn an_ndjson_stream_named_dot_json_is_read_as_ndjson() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("records_stream.json");
    std::fs::copy(data("records.ndjson"), &path).unwrap();
    let named_json = read_path(&path, &ReadOptions::default()).unwrap();
    let ndjson = read_path(&data("records.ndjson"), &ReadOptions::default()).unwrap();
    assert_eq!(named_json.len(), ndjson.len());
    assert_eq!(named_json.schema(), ndjson.schema());
    // An explicit format still wins.
    assert!(read_path(&path, &ReadOptions::default().with_format(Format::Json)).is_err());
}
