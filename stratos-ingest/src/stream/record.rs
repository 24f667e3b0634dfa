//! JSON objects of any shape as [`Record`]s: with or without the seed's envelope, time from
//! any timestamp-like key, the stream key from any of [`STREAM_KEYS`].

use std::collections::BTreeMap;

use serde_json::Value as Json;
use stratos_core::{DataType, Record, Timestamp, Value};

use crate::convert::DatePattern;

/// Keys that name a record's stream, in order of preference (compared exactly; a
/// `--stream-field` comes first).
pub const STREAM_KEYS: [&str; 8] = [
    "stream_id",
    "streamId",
    "stream",
    "sensor_id",
    "sensorId",
    "device_id",
    "deviceId",
    "symbol",
];

/// Keys that hold a record's time, in order of preference: text (RFC 3339, `YYYY-MM-DD`,
/// day/month/year dates), epoch seconds or milliseconds, or `{"seconds": N}`.
pub const TIME_KEYS: [&str; 12] = [
    "timestamp",
    "ts",
    "time",
    "datetime",
    "date",
    "created_at",
    "createdAt",
    "event_time",
    "eventTime",
    "completed_at",
    "updated_at",
    "epoch",
];

/// The stream id of records without a stream key.
pub const DEFAULT_STREAM: &str = "default";

/// Members whose object is the payload (merged unprefixed).
const PAYLOAD_KEYS: [&str; 2] = ["payload", "data"];

/// How records are read.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordRules {
    pub(crate) stream_field: Option<String>,
    pub(crate) date_format: Option<DatePattern>,
}

/// Why an object could not be read as a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordIssue(pub(crate) String);

/// Fills `record` from one JSON object, reusing its maps.
///
/// `object` gives the object's members as a [`Map`](serde_json::Map) iterates them (sorted by key, each key
/// once).
pub(crate) fn fill_record(
    object: impl IntoIterator<Item = (String, Json)>,
    rules: &RecordRules,
    record: &mut Record,
) -> Result<(), RecordIssue> {
    record.payload.clear();
    record.metadata.clear();
    record.timestamp = None;
    record.data_type = DataType::Custom;
    record.stream_id.clear();

    // The chosen keys are among STREAM_KEYS and TIME_KEYS (or the named stream field): held
    // as those names, not copies.
    let mut stream: Option<&str> = None;
    let mut time: Option<(&str, Json)> = None;
    let mut payload_objects = Vec::new();
    let mut rest = Vec::new();
    let wanted_stream = rules.stream_field.as_deref();
    for (key, value) in object {
        match key.as_str() {
            "data_type" | "dataType" => match &value {
                Json::String(s) => match serde_json::from_value::<DataType>(value.clone()) {
                    Ok(t) => record.data_type = t,
                    Err(_) => {
                        record
                            .metadata
                            .insert("data_type".to_owned(), Value::Text(s.clone()));
                    }
                },
                other => rest.push((key, other.clone())),
            },
            "metadata" if value.is_object() => {
                if let Json::Object(m) = value {
                    for (k, v) in m {
                        flatten_into(&mut record.metadata, &k, v);
                    }
                }
            }
            k if PAYLOAD_KEYS.contains(&k) && value.is_object() => payload_objects.push(value),
            _ => rest.push((key, value)),
        }
    }
    // Payload members first, then the top level's, so a top-level key wins a clash.
    let members = if payload_objects.is_empty() {
        rest
    } else {
        let mut members: Vec<(String, Json)> = Vec::new();
        for p in payload_objects {
            if let Json::Object(m) = p {
                members.extend(m);
            }
        }
        members.extend(rest);
        members
    };
    let stream_key = |k: &str| -> Option<(usize, &str)> {
        match wanted_stream {
            Some(w) => (k == w).then_some((0, w)),
            None => STREAM_KEYS
                .iter()
                .position(|s| *s == k)
                .and_then(|r| Some((r, *STREAM_KEYS.get(r)?))),
        }
    };
    let time_key = |k: &str| {
        TIME_KEYS
            .iter()
            .position(|s| *s == k)
            .and_then(|r| Some((r, *TIME_KEYS.get(r)?)))
    };
    let mut best_stream = usize::MAX;
    let mut best_time = usize::MAX;
    for (k, v) in &members {
        if let Some((r, name)) = stream_key(k)
            && r < best_stream
            && matches!(v, Json::String(_) | Json::Number(_))
        {
            best_stream = r;
            stream = Some(name);
        }
        if let Some((r, name)) = time_key(k)
            && r < best_time
            && !v.is_null()
        {
            best_time = r;
            time = Some((name, v.clone()));
        }
    }
    if let Some(w) = wanted_stream
        && stream.is_none()
    {
        return Err(RecordIssue(format!(
            "stream field `{w}`: expected a text or number, found nothing"
        )));
    }
    for (k, v) in members {
        if stream == Some(k.as_str()) {
            match v {
                Json::String(s) => record.stream_id = s,
                Json::Number(n) => record.stream_id = n.to_string(),
                _ => {}
            }
            // The stream key stays readable as a field too (`symbol` may be a category).
            if k != "stream_id" {
                record
                    .payload
                    .insert(k, Value::Text(record.stream_id.clone()));
            }
            continue;
        }
        if time.as_ref().is_some_and(|(tk, _)| *tk == k) {
            continue;
        }
        flatten_owned(&mut record.payload, k, v);
    }
    if record.stream_id.is_empty() {
        record.stream_id.push_str(DEFAULT_STREAM);
    }
    if let Some((key, value)) = time {
        record.timestamp = Some(
            time_of(&value, rules.date_format.as_ref())
                .map_err(|why| RecordIssue(format!("time field `{key}`: {why}")))?,
        );
    }
    Ok(())
}

/// [`flatten_into`] with the key owned: a value that is not an object keeps it (no copy).
fn flatten_owned(map: &mut BTreeMap<String, Value>, key: String, value: Json) {
    let value = match value {
        object @ Json::Object(_) => return flatten_into(map, &key, object),
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        Json::String(s) => Value::Text(s),
        a @ Json::Array(_) => Value::Text(a.to_string()),
    };
    map.insert(key, value);
}

/// Adds `value` under `key`, nested objects as `key.inner`, arrays as their JSON text.
fn flatten_into(map: &mut BTreeMap<String, Value>, key: &str, value: Json) {
    match value {
        Json::Object(m) => {
            for (k, v) in m {
                flatten_into(map, &format!("{key}.{k}"), v);
            }
        }
        Json::Null => {
            map.insert(key.to_owned(), Value::Null);
        }
        Json::Bool(b) => {
            map.insert(key.to_owned(), Value::Bool(b));
        }
        Json::Number(n) => {
            map.insert(
                key.to_owned(),
                Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            );
        }
        Json::String(s) => {
            map.insert(key.to_owned(), Value::Text(s));
        }
        a @ Json::Array(_) => {
            map.insert(key.to_owned(), Value::Text(a.to_string()));
        }
    }
}

/// A time value: text, an epoch number, or `{"seconds": N}` (optionally with `nanos`).
pub(crate) fn time_of(value: &Json, pattern: Option<&DatePattern>) -> Result<Timestamp, String> {
    match value {
        Json::Number(n) => n
            .as_f64()
            .ok_or_else(|| "expected an epoch number".to_owned())
            .and_then(|v| Timestamp::from_epoch_number(v).map_err(|e| e.to_string())),
        Json::String(s) => text_time(s, pattern),
        Json::Object(m) => {
            let secs = m
                .get("seconds")
                .and_then(Json::as_f64)
                .ok_or_else(|| "expected an object with `seconds`".to_owned())?;
            let nanos = m.get("nanos").and_then(Json::as_f64).unwrap_or(0.0);
            Timestamp::from_epoch_number(secs)
                .and_then(|t| Timestamp::from_micros(t.micros() + (nanos / 1000.0) as i64))
                .map_err(|e| e.to_string())
        }
        other => Err(format!(
            "expected a timestamp, found {}",
            match other {
                Json::Bool(_) => "a bool",
                Json::Array(_) => "an array",
                _ => "null",
            }
        )),
    }
}

/// A text time: the pattern when given; else RFC 3339 and the other core forms, epoch
/// digits, or a day/month/year date whose order one value decides (a number above 12).
pub(crate) fn text_time(s: &str, pattern: Option<&DatePattern>) -> Result<Timestamp, String> {
    if let Some(p) = pattern {
        if let Some(t) = p.parse(s) {
            return Ok(t);
        }
        if let Ok(t) = Timestamp::parse(s) {
            return Ok(t);
        }
        return Err(format!("`{}` does not match --date-format", excerpt(s)));
    }
    match Timestamp::parse(s) {
        Ok(t) => Ok(t),
        Err(e) => crate::convert::lone_date(s).unwrap_or(Err(e.to_string())),
    }
}

/// JSON text from a JavaScript object literal as the seed's examples write records
/// (`{stream_id: "x", payload: {price: 1.5,},}`): bare keys quoted, single-quoted strings
/// double-quoted, trailing commas and `//` or `/* */` comments dropped. `None` when nothing
/// needed changing (the text is not such a literal either).
pub(crate) fn relaxed_to_json(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut changed = false;
    let mut i = 0;
    let is_ident_start = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b == b'$';
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    while let Some(&b) = text.get(i) {
        match b {
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&c) = text.get(i) {
                    i += 1;
                    match c {
                        b'\\' => i += 1,
                        b'"' => break,
                        _ => {}
                    }
                }
                out.extend_from_slice(text.get(start..i.min(text.len()))?);
            }
            b'\'' => {
                changed = true;
                out.push(b'"');
                i += 1;
                while let Some(&c) = text.get(i) {
                    i += 1;
                    match c {
                        b'\\' => {
                            out.push(c);
                            out.push(*text.get(i)?);
                            i += 1;
                        }
                        b'\'' => break,
                        b'"' => out.extend_from_slice(b"\\\""),
                        _ => out.push(c),
                    }
                }
                out.push(b'"');
            }
            b'/' if text.get(i + 1) == Some(&b'/') => {
                changed = true;
                while text.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'/' if text.get(i + 1) == Some(&b'*') => {
                changed = true;
                i += 2;
                while i < text.len()
                    && !(text.get(i) == Some(&b'*') && text.get(i + 1) == Some(&b'/'))
                {
                    i += 1;
                }
                i += 2;
            }
            b',' => {
                let next = text.get(i + 1..)?.iter().find(|c| !c.is_ascii_whitespace());
                if matches!(next, Some(b'}' | b']')) {
                    changed = true;
                } else {
                    out.push(b',');
                }
                i += 1;
            }
            c if is_ident_start(c) => {
                let start = i;
                while text.get(i).is_some_and(|&c| is_ident(c)) {
                    i += 1;
                }
                let word = text.get(start..i)?;
                let next = text.get(i..)?.iter().find(|c| !c.is_ascii_whitespace());
                if next == Some(&b':') {
                    changed = true;
                    out.push(b'"');
                    out.extend_from_slice(word);
                    out.push(b'"');
                } else {
                    out.extend_from_slice(word);
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

fn excerpt(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn read(text: &str) -> Result<Record, RecordIssue> {
        let obj: Map<String, Json> = serde_json::from_str(text).unwrap();
        let mut r = Record::new("");
        fill_record(obj, &RecordRules::default(), &mut r).map(|()| r)
    }

    #[test]
    fn flat_records_and_envelopes() {
        let r = read(r#"{"ts": 1705312200, "price": 1.5}"#).unwrap();
        assert_eq!(r.stream_id, DEFAULT_STREAM);
        assert_eq!(r.timestamp.unwrap().epoch_seconds(), 1_705_312_200);
        assert_eq!(r.number("price").unwrap(), 1.5);
        let r = read(r#"{"sensorId": "s-1", "value": 2, "timestamp": "2025-05-25T10:00:00Z"}"#)
            .unwrap();
        assert_eq!(r.stream_id, "s-1");
        assert_eq!(r.payload.get("sensorId"), Some(&Value::Text("s-1".into())));
        let r = read(
            r#"{"stream_id":"a","data_type":"WEATHER","payload":{"t":1,"created_at":"2025-01-15T10:30:00Z","loc":{"x":1}}}"#,
        )
        .unwrap();
        assert_eq!(r.data_type, DataType::Custom);
        assert_eq!(
            r.metadata.get("data_type"),
            Some(&Value::Text("WEATHER".into()))
        );
        assert_eq!(r.timestamp.unwrap().to_string(), "2025-01-15T10:30:00Z");
        assert_eq!(r.number("loc.x").unwrap(), 1.0);
        assert!(!r.payload.contains_key("created_at"));
    }

    #[test]
    fn javascript_literals_become_json() {
        let js = br#"{ stream_id: "a", // the stream
            payload: { price: 150.20, note: 'its "x"', }, }"#;
        let json = relaxed_to_json(js).unwrap();
        let v: Json = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["payload"]["price"], 150.2);
        assert_eq!(v["stream_id"], "a");
        assert_eq!(relaxed_to_json(br#"{"a": 1}"#), None);
    }

    #[test]
    fn bad_times_name_their_key() {
        let e = read(r#"{"time": "yesterday", "v": 1}"#).unwrap_err();
        assert!(e.0.starts_with("time field `time`: "), "{}", e.0);
        let e = read(r#"{"time": true}"#).unwrap_err();
        assert_eq!(e.0, "time field `time`: expected a timestamp, found a bool");
    }

    #[test]
    fn a_stream_field_is_required_when_named() {
        let obj: Map<String, Json> = serde_json::from_str(r#"{"host": "h1", "v": 1}"#).unwrap();
        let mut r = Record::new("");
        let rules = RecordRules {
            stream_field: Some("host".into()),
            ..Default::default()
        };
        fill_record(obj, &rules, &mut r).unwrap();
        assert_eq!(r.stream_id, "h1");
        let obj: Map<String, Json> = serde_json::from_str(r#"{"v": 1}"#).unwrap();
        assert!(fill_record(obj, &rules, &mut r).is_err());
    }
}
