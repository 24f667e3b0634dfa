//! Every record type in the seed READMEs parses, as written there (tests/data/seeds/).

use stratos_core::{DataType, Value};
use stratos_ingest::stream::{DEFAULT_STREAM, record_from_json};
use stratos_ingest::{ReadOptions, read_path};

use crate::data;

/// The record in a seed file: the object literal between the first `{` and the last `}`
/// (the JavaScript examples are statements, `const x = {...};`).
fn record(name: &str) -> stratos_core::Record {
    let text = std::fs::read_to_string(data(&format!("seeds/{name}"))).unwrap();
    let (start, end) = (text.find('{').unwrap(), text.rfind('}').unwrap());
    record_from_json(&text.as_bytes()[start..=end], &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn stratosmesh_envelopes() {
    let r = record("stratosmesh_stream_api.json");
    assert_eq!(r.stream_id, "sensor_01");
    assert_eq!(r.data_type, DataType::IotSensor);
    assert_eq!(r.timestamp.unwrap().epoch_seconds(), 1_705_312_200);
    assert_eq!(r.number("temperature").unwrap(), 23.5);
    assert_eq!(
        r.metadata.get("device_id"),
        Some(&Value::Text("temp_sensor_001".into()))
    );

    let r = record("stratosmesh_v1_stream_endpoint.json");
    assert_eq!(r.stream_id, "sensor_data_01");
    assert_eq!(r.timestamp.unwrap().to_string(), "2025-01-15T10:30:00Z");
    assert_eq!(r.number("humidity").unwrap(), 65.2);
    assert!(!r.payload.contains_key("timestamp"));
}

#[test]
fn stratosmesh_javascript_examples() {
    let cases = [
        (
            "stratosmesh_trading.js",
            "AAPL_prices",
            DataType::MarketData,
            "price",
            150.25,
        ),
        (
            "stratosmesh_iot.js",
            "motor_01_sensors",
            DataType::IotSensor,
            "rpm",
            1750.0,
        ),
        (
            "stratosmesh_ecommerce.js",
            "user_transactions",
            DataType::EcommerceEvent,
            "amount",
            2500.0,
        ),
        (
            "stratosmesh_social.js",
            "brand_mentions",
            DataType::Custom,
            "mentions",
            1250.0,
        ),
    ];
    for (file, stream, data_type, field, value) in cases {
        let r = record(file);
        assert_eq!(r.stream_id, stream, "{file}");
        assert_eq!(r.data_type, data_type, "{file}");
        assert_eq!(r.number(field).unwrap(), value, "{file}");
        assert_eq!(r.timestamp, None, "{file}");
    }
}

#[test]
fn go_platform_records() {
    for (file, stream, value, time) in [
        (
            "go_platform_curl.json",
            "sensor-001",
            23.5,
            "2025-05-25T10:00:00Z",
        ),
        (
            "go_platform_test_data.json",
            "test1",
            25.5,
            "2023-06-01T12:00:00Z",
        ),
        (
            "go_platform_api_data.json",
            "sensor123",
            42.5,
            "2023-06-01T12:00:00Z",
        ),
    ] {
        let r = record(file);
        assert_eq!(r.stream_id, stream, "{file}");
        assert_eq!(r.number("value").unwrap(), value, "{file}");
        assert_eq!(r.timestamp.unwrap().to_string(), time, "{file}");
        // The batch reader reads the same document into a frame.
        let f = read_path(&data(&format!("seeds/{file}")), &ReadOptions::default()).unwrap();
        assert_eq!(f.column("value").unwrap(), [value], "{file}");
    }
}

#[test]
fn streamflow_and_streamaudit_records() {
    let r = record("streamflow_event.json");
    assert_eq!(r.stream_id, DEFAULT_STREAM);
    assert_eq!(r.timestamp.unwrap().to_string(), "2025-01-15T10:30:00Z");
    assert_eq!(r.number("latency_ms").unwrap(), 812.5);
    assert_eq!(
        r.payload.get("type"),
        Some(&Value::Text("api.request".into()))
    );
    assert_eq!(
        r.payload.get("tags"),
        Some(&Value::Text(r#"["checkout","latency"]"#.into()))
    );
    let r = record("streamaudit_completion.json");
    assert_eq!(r.timestamp.unwrap().to_string(), "2025-01-15T10:30:00Z");
    assert_eq!(r.number("amount").unwrap(), 1234.56);
    let keyed = record_from_json(
        &std::fs::read(data("seeds/streamaudit_completion.json")).unwrap(),
        &ReadOptions::default().with_stream_field("company_id"),
    )
    .unwrap();
    assert_eq!(keyed.stream_id, "c-001");
}

#[test]
fn an_unknown_data_type_is_kept_as_custom() {
    let r = record_from_json(
        br#"{"stream_id":"w","data_type":"WEATHER","payload":{"t":1},"timestamp":1705312200}"#,
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(r.data_type, DataType::Custom);
    assert_eq!(
        r.metadata.get("data_type"),
        Some(&Value::Text("WEATHER".into()))
    );
}
