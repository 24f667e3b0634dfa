//! The record envelope of the seed's stream API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::RecordError;
use crate::timestamp::Timestamp;
use crate::value::Value;

/// The kind of data a stream carries, as the seed names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DataType {
    /// Sensor readings.
    IotSensor,
    /// Prices, volumes, quotes.
    MarketData,
    /// Orders, transactions, sessions.
    EcommerceEvent,
    /// Anything else (the default).
    #[default]
    Custom,
}

/// One record of a stream: the seed's envelope, field for field.
///
/// Its JSON form is the seed's, so an existing producer's output can be piped in as it is:
///
/// ```json
/// {"stream_id": "sensor_01", "data_type": "IOT_SENSOR",
///  "payload": {"temperature": 23.5, "humidity": 65.2, "location": "warehouse_a"},
///  "timestamp": {"seconds": 1705312200}, "metadata": {"device_id": "temp_sensor_001"}}
/// ```
///
/// `data_type` defaults to `CUSTOM`; `timestamp` may be absent (then [`Record::time`] looks for a
/// `timestamp` key inside the payload, as one seed example has it); `metadata` defaults to empty.
/// Unknown top-level keys are rejected, so a misspelled `stream_id` is an error, not a silent
/// default.
///
/// # Examples
/// ```
/// use stratos_core::Record;
/// # fn main() -> Result<(), stratos_core::RecordError> {
/// let r = Record::from_json(br#"{"stream_id":"AAPL","payload":{"price":150.25},"timestamp":1705312200}"#)?;
/// assert_eq!(r.stream_id, "AAPL");
/// assert_eq!(r.number("price")?, 150.25);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The stream this record belongs to; state is kept per stream.
    pub stream_id: String,
    /// What kind of data the stream carries. Defaults to `CUSTOM`.
    #[serde(default)]
    pub data_type: DataType,
    /// Named fields: numbers, text, bools or nulls.
    #[serde(default)]
    pub payload: BTreeMap<String, Value>,
    /// When the record was observed. Written as RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Free-form context, carried through untouched.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, Value>,
}

impl Record {
    /// A record with an empty payload.
    pub fn new(stream_id: impl Into<String>) -> Self {
        Record {
            stream_id: stream_id.into(),
            data_type: DataType::Custom,
            payload: BTreeMap::new(),
            timestamp: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Sets the timestamp.
    pub fn with_timestamp(mut self, timestamp: Timestamp) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Sets the data type.
    pub fn with_data_type(mut self, data_type: DataType) -> Self {
        self.data_type = data_type;
        self
    }

    /// Adds a payload field.
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.payload.insert(name.into(), value.into());
        self
    }

    /// Reads one record from its JSON bytes (one NDJSON line).
    ///
    /// # Errors
    /// [`RecordError::Json`] with serde's line/column and the offending key.
    pub fn from_json(bytes: &[u8]) -> Result<Self, RecordError> {
        serde_json::from_slice(bytes).map_err(|e| RecordError::Json {
            message: e.to_string(),
        })
    }

    /// The record's time: the envelope's `timestamp`, else a payload field `timestamp` (text or
    /// epoch number), else `None`.
    ///
    /// # Errors
    /// [`RecordError::Timestamp`] when the payload's `timestamp` is present but unreadable.
    pub fn time(&self) -> Result<Option<Timestamp>, RecordError> {
        if let Some(t) = self.timestamp {
            return Ok(Some(t));
        }
        match self.payload.get("timestamp") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Text(s)) => Timestamp::parse(s).map(Some),
            Some(Value::Number(v)) => Timestamp::from_epoch_number(*v).map(Some),
            Some(other) => Err(RecordError::Field {
                field: "timestamp".into(),
                expected: "a timestamp".into(),
                found: other.type_name().into(),
            }),
        }
    }

    /// A numeric payload field.
    ///
    /// # Errors
    /// [`RecordError::Field`] when it is missing or not a number.
    pub fn number(&self, field: &str) -> Result<f64, RecordError> {
        match self.payload.get(field) {
            Some(Value::Number(v)) => Ok(*v),
            other => Err(RecordError::Field {
                field: field.to_owned(),
                expected: "a number".into(),
                found: other.map_or("nothing", Value::type_name).into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The seed's `POST /api/stream` example (StratosMesh README, "Streaming Data").
    const SEED_SENSOR: &str = r#"{
        "stream_id": "sensor_01",
        "data_type": "IOT_SENSOR",
        "payload": {
          "temperature": 23.5,
          "humidity": 65.2,
          "location": "warehouse_a"
        },
        "timestamp": {"seconds": 1705312200},
        "metadata": {"device_id": "temp_sensor_001"}
      }"#;

    /// The seed's "Stream Processing Endpoints" example: the timestamp sits in the payload.
    const SEED_PAYLOAD_TIME: &str = r#"{
        "stream_id": "sensor_data_01",
        "data_type": "IOT_SENSOR",
        "payload": {"temperature": 23.5, "humidity": 65.2, "timestamp": "2025-01-15T10:30:00Z"},
        "metadata": {"device_id": "temp_001", "location": "warehouse_a"}
      }"#;

    /// The seed's trading example (no timestamp at all).
    const SEED_MARKET: &str = r#"{"stream_id": "AAPL_prices", "data_type": "MARKET_DATA",
        "payload": {"symbol": "AAPL", "price": 150.25, "volume": 1000000, "bid": 150.20, "ask": 150.30}}"#;

    #[test]
    fn seed_sensor_record_golden() {
        let r = Record::from_json(SEED_SENSOR.as_bytes()).unwrap();
        assert_eq!(r.data_type, DataType::IotSensor);
        assert_eq!(r.number("temperature").unwrap(), 23.5);
        assert_eq!(r.payload["location"], Value::Text("warehouse_a".into()));
        assert_eq!(r.time().unwrap().unwrap().epoch_seconds(), 1_705_312_200);
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"stream_id":"sensor_01","data_type":"IOT_SENSOR","payload":{"humidity":65.2,"location":"warehouse_a","temperature":23.5},"timestamp":"2024-01-15T09:50:00Z","metadata":{"device_id":"temp_sensor_001"}}"#
        );
    }

    #[test]
    fn seed_payload_timestamp_and_market_golden() {
        let r = Record::from_json(SEED_PAYLOAD_TIME.as_bytes()).unwrap();
        assert_eq!(r.timestamp, None);
        assert_eq!(
            r.time().unwrap().unwrap().to_string(),
            "2025-01-15T10:30:00Z"
        );
        let m = Record::from_json(SEED_MARKET.as_bytes()).unwrap();
        assert_eq!(m.data_type, DataType::MarketData);
        assert_eq!(m.time().unwrap(), None);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"stream_id":"AAPL_prices","data_type":"MARKET_DATA","payload":{"ask":150.3,"bid":150.2,"price":150.25,"symbol":"AAPL","volume":1000000.0}}"#
        );
    }

    #[test]
    fn timestamp_forms_in_the_envelope() {
        for ts in [
            r#""2024-01-15T09:50:00Z""#,
            "1705312200",
            "1705312200000",
            r#"{"seconds":1705312200}"#,
        ] {
            let line = format!(r#"{{"stream_id":"s","payload":{{"v":1}},"timestamp":{ts}}}"#);
            let r = Record::from_json(line.as_bytes()).unwrap();
            assert_eq!(r.timestamp.unwrap().epoch_seconds(), 1_705_312_200, "{ts}");
        }
    }

    #[test]
    fn bad_records_are_typed_errors() {
        let e = Record::from_json(br#"{"stream":"s","payload":{}}"#).unwrap_err();
        assert!(
            matches!(e, RecordError::Json { ref message } if message.contains("unknown field `stream`")),
            "{e}"
        );
        assert!(Record::from_json(br#"{"stream_id":"s","data_type":"IOT"}"#).is_err());
        assert!(Record::from_json(b"{").is_err());
        let r = Record::from_json(br#"{"stream_id":"s","payload":{"v":"x"}}"#).unwrap();
        assert_eq!(
            r.number("v").unwrap_err().to_string(),
            "payload field `v`: expected a number, found text"
        );
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-1e12f64..1e12).prop_map(Value::Number),
            "[a-z ]{0,8}".prop_map(Value::Text),
        ]
    }

    proptest! {
        #[test]
        fn serde_round_trip(
            id in "[a-zA-Z0-9_]{1,12}",
            payload in proptest::collection::btree_map("[a-z]{1,6}", value(), 0..5),
            secs in proptest::option::of(0i64..4_000_000_000),
        ) {
            let mut r = Record::new(id);
            r.payload = payload;
            r.timestamp = secs.map(|s| Timestamp::from_epoch_seconds(s).unwrap());
            let json = serde_json::to_vec(&r).unwrap();
            prop_assert_eq!(Record::from_json(&json).unwrap(), r);
        }

        #[test]
        fn from_json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Record::from_json(&bytes);
        }
    }
}
