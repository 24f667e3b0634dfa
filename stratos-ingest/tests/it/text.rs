//! Plain-text logs: a timestamp per line, key/value/unit pairs.

use stratos_core::Timestamp;
use stratos_ingest::{Format, IngestError, ReadOptions, read_bytes, read_path};

use crate::data;

#[test]
fn key_colon_value_lines_with_an_entity() {
    let f = read_path(&data("motors.log"), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 3);
    let s = f.schema();
    assert_eq!(s.timestamp_field.as_deref(), Some("timestamp"));
    assert_eq!(s.value_fields, ["temperature", "vibration", "rpm"]);
    assert_eq!(s.category_fields, ["entity"]);
    assert_eq!(f.column("temperature").unwrap(), [85.0, 87.5, 86.0]);
    let v = f.column("vibration").unwrap();
    assert_eq!((v[0], v[1]), (2.3, 2.9));
    assert!(v[2].is_nan());
    assert_eq!(f.column("rpm").unwrap(), [1750.0, 1720.0, 1745.0]);
    let units: Vec<(&str, &str)> = s
        .units
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(units, [("temperature", "°C"), ("vibration", "Hz")]);
    let e = f.category("entity").unwrap();
    assert_eq!(e.dictionary(), ["Motor-001", "Motor-002"]);
    assert_eq!(e.get(2), Some("Motor-001"));
    assert_eq!(
        f.timestamps().unwrap(),
        [
            Timestamp::parse("2025-01-15T10:00:00Z").unwrap(),
            Timestamp::parse("2025-01-15T10:01:00Z").unwrap(),
            Timestamp::parse("2025-01-15T10:02:00Z").unwrap(),
        ]
    );
}

#[test]
fn key_space_value_lines_after_a_date() {
    let f = read_path(&data("weather.txt"), &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 3);
    assert_eq!(
        f.schema().value_fields,
        ["temperature", "humidity", "pressure"]
    );
    assert!(f.schema().category_fields.is_empty());
    assert_eq!(f.column("temperature").unwrap(), [23.5, 22.0, 21.5]);
    let h = f.column("humidity").unwrap();
    assert_eq!((h[0], h[1]), (65.0, 70.0));
    assert!(h[2].is_nan());
    assert_eq!(f.column("pressure").unwrap(), [1013.0, 1009.0, 1011.0]);
    assert_eq!(
        f.schema().units.get("humidity").map(String::as_str),
        Some("%")
    );
    assert_eq!(
        f.schema().units.get("pressure").map(String::as_str),
        Some("hPa")
    );
    assert_eq!(
        f.timestamps().unwrap()[2],
        Timestamp::parse("2025-01-17").unwrap()
    );
}

#[test]
fn content_sniffing_finds_text_logs() {
    for name in ["motors.log", "weather.txt"] {
        let bytes = std::fs::read(data(name)).unwrap();
        assert_eq!(stratos_ingest::sniff_format(&bytes), Format::Text, "{name}");
        let sniffed = read_bytes(&bytes, &ReadOptions::default()).unwrap();
        let explicit =
            read_bytes(&bytes, &ReadOptions::default().with_format(Format::Text)).unwrap();
        crate::assert_same_frame(&sniffed, &explicit);
    }
    let csv = std::fs::read(data("times.csv")).unwrap();
    assert_eq!(stratos_ingest::sniff_format(&csv), Format::Csv);
}

#[test]
fn a_line_without_a_timestamp_is_an_error_naming_its_line() {
    let e = read_path(&data("no_time.log"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, IngestError::Cell { .. }), "{e:?}");
    assert!(e.is_bad_data());
    assert_eq!(e.location().line, Some(2));
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2: column `timestamp`: expected a timestamp at the start of the line, found `Motor`",
            data("no_time.log").display()
        )
    );
}

#[test]
fn a_field_with_numbers_and_text_is_text() {
    let f = read_bytes(
        b"2025-01-15 10:00:00 status:42\n2025-01-15 10:00:01 status:ok\n",
        &ReadOptions::default().with_format(Format::Text),
    )
    .unwrap();
    let s = f.category("status").unwrap();
    assert_eq!((s.get(0), s.get(1)), (Some("42"), Some("ok")));
}
