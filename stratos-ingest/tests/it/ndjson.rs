//! NDJSON of seed records.

use stratos_core::Timestamp;
use stratos_ingest::{Format, IngestError, ReadOptions, read_bytes, read_path};

use crate::data;

#[test]
fn seed_records_become_a_frame() {
    let f = read_path(&data("records.ndjson"), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 3);
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("timestamp"));
    assert_eq!(f.schema().value_fields, ["humidity", "temperature"]);
    assert_eq!(f.schema().category_fields, ["stream_id", "location"]);
    assert_eq!(f.column("temperature").unwrap(), [23.5, 21.0, 24.0]);
    let h = f.column("humidity").unwrap();
    assert_eq!(h[0], 65.2);
    assert!(h[1].is_nan());
    let ids = f.category("stream_id").unwrap();
    assert_eq!(ids.dictionary(), ["sensor_01", "sensor_02"]);
    assert_eq!(ids.get(2), Some("sensor_01"));
    assert_eq!(
        f.timestamps().unwrap(),
        [
            Timestamp::parse("2024-01-15T09:50:00Z").unwrap(),
            Timestamp::parse("2024-01-15T09:51:00Z").unwrap(),
            Timestamp::parse("2024-01-15T09:52:00Z").unwrap(),
        ]
    );
}

#[test]
fn content_sniffing_finds_ndjson_without_an_extension() {
    let bytes = std::fs::read(data("records.ndjson")).unwrap();
    let sniffed = read_bytes(&bytes, &ReadOptions::default()).unwrap();
    let explicit = read_bytes(&bytes, &ReadOptions::default().with_format(Format::Ndjson)).unwrap();
    crate::assert_same_frame(&sniffed, &explicit);
}

#[test]
fn malformed_line_is_an_error_with_its_line_number() {
    let e = read_path(&data("malformed.ndjson"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, IngestError::Json { .. }), "{e:?}");
    assert!(e.is_bad_data());
    assert_eq!(e.location().line, Some(4));
    let prefix = format!("{}:4: ", data("malformed.ndjson").display());
    assert!(e.to_string().starts_with(&prefix), "{e}");
}

#[test]
fn records_of_any_shape_are_read_and_bad_times_name_the_line() {
    let f = read_bytes(
        b"{\"stream_id\":\"a\",\"v\":1,\"ts\":1}\n{\"stream\":\"b\",\"v\":2,\"ts\":2}\n",
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(f.category("stream_id").unwrap().get(1), Some("b"));
    assert_eq!(f.column("v").unwrap(), [1.0, 2.0]);
    let e = read_bytes(
        b"{\"stream_id\":\"a\",\"ts\":1}\n{\"stream_id\":\"a\",\"ts\":\"soon\"}\n",
        &ReadOptions::default().with_source_name("in"),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("in:2: time field `ts`: "), "{e}");
}
