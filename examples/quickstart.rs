//! Stratos embedded in a program, in two parts:
//!
//! 1. **Batch.** Read `examples/data/ohlcv_daily.csv` into a frame, build `moving_average` from
//!    the seed's request JSON and print its signal.
//! 2. **Online.** Feed `examples/data/sensor_stream.ndjson` (the seed's stream envelope, three
//!    streams interleaved) record by record through `anomaly_detection` (rolling z-score,
//!    window 50, threshold 3σ), one online state per `stream_id`, and print the alerts.
//!
//! Every number printed is also checked, so `cargo run --example quickstart` fails loudly if
//! the library's answers change. Regenerate the data with
//! `cargo run --example generate_sample_data`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use stratos::core::Value;
use stratos::prelude::*;

/// The spikes `generate_sample_data` injects: (stream, timestamp, field).
const INJECTED: [(&str, &str, &str); 6] = [
    ("motor_01", "2025-01-15T11:15:00Z", "temperature"),
    ("motor_01", "2025-01-15T12:40:00Z", "temperature"),
    ("motor_02", "2025-01-15T12:00:00Z", "temperature"),
    ("motor_02", "2025-01-15T12:20:00Z", "vibration"),
    ("pump_01", "2025-01-15T11:38:00Z", "temperature"),
    ("pump_01", "2025-01-15T13:00:00Z", "temperature"),
];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("data")
        .join(name)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = stratos::registry();
    moving_average_signal(&registry)?;
    println!();
    online_anomaly_alerts(&registry)?;
    Ok(())
}

/// Part 1: a batch run of `moving_average` over daily bars.
fn moving_average_signal(registry: &Registry) -> Result<(), Box<dyn std::error::Error>> {
    let frame = stratos::ingest::read_path(&data("ohlcv_daily.csv"), &ReadOptions::default())?;
    let schema = frame.schema();
    println!(
        "ohlcv_daily.csv: {} rows; time `{}`; values {:?}",
        frame.len(),
        schema.timestamp_field.as_deref().unwrap_or("-"),
        schema.value_fields
    );
    assert_eq!(frame.len(), 2_500);
    assert_eq!(schema.timestamp_field.as_deref(), Some("date"));
    assert_eq!(
        schema.value_fields,
        ["open", "high", "low", "close", "volume"]
    );
    assert_eq!(schema.main_value_field(), Some("close"));
    let dates = frame.timestamps().ok_or("the frame has a time column")?;
    let (first, last) = (dates.first().ok_or("rows")?, dates.last().ok_or("rows")?);
    assert_eq!(first.to_string(), "2015-01-02T00:00:00Z");
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "dates increase");

    // The seed's request, verbatim.
    let request: StrategyRequest = serde_json::from_str(
        r#"{"strategy_id":"moving_average","config":{"period":20,"signal_threshold":0.02}}"#,
    )?;
    let strategy = registry.build_request(&request)?;
    let result = strategy.execute(&frame)?;
    let signal = result
        .signal
        .as_ref()
        .ok_or("moving_average gives a signal")?;
    // The result's data, typed: the seed's `currentPrice`, `movingAverage`, … as fields.
    let report: MovingAverageReport = result.report()?;
    let (price, sma, deviation) = (
        report.current_price,
        report.moving_average,
        report.deviation,
    );
    println!("moving_average (SMA 20, threshold 2%) on {last}:");
    println!(
        "  close {price:.2}, SMA {sma:.4}, deviation {:+.2}%",
        deviation * 100.0
    );
    println!(
        "  signal {} (strength {:.2}): {}",
        signal.action, signal.strength, signal.reason
    );
    println!(
        "  over the whole history: {} BUY and {} SELL rows",
        result.metrics.get("buy_signals").copied().unwrap_or(0.0),
        result.metrics.get("sell_signals").copied().unwrap_or(0.0)
    );

    // Check the answer against a direct computation.
    assert_eq!(result.kind, ResultType::Signal);
    assert!(matches!(
        signal.action,
        Action::Buy | Action::Sell | Action::Hold
    ));
    assert!(
        (0.0..=1.0).contains(&signal.strength),
        "{}",
        signal.strength
    );
    assert!((0.0..=1.0).contains(&result.confidence));
    let closes = frame.column("close").ok_or("a close column")?;
    let tail = closes.get(closes.len() - 20..).ok_or("20 closes")?;
    let mean = tail.iter().sum::<f64>() / 20.0;
    assert!((sma - mean).abs() < 1e-9, "SMA {sma} vs direct mean {mean}");
    let last_close = *closes.last().ok_or("a last close")?;
    assert!((price - last_close).abs() < 1e-12);
    assert!((deviation - (price - sma) / sma).abs() < 1e-12);
    let expected = if deviation > 0.02 {
        Action::Buy
    } else if deviation < -0.02 {
        Action::Sell
    } else {
        Action::Hold
    };
    assert_eq!(signal.action, expected);
    assert_eq!(report.timestamp.as_ref(), Some(last));
    // The wire shape keeps the seed's names.
    assert_eq!(result.data["timestamp"], last.to_string());
    Ok(())
}

/// Part 2: `anomaly_detection` online, one state per stream.
fn online_anomaly_alerts(registry: &Registry) -> Result<(), Box<dyn std::error::Error>> {
    let request: StrategyRequest = serde_json::from_str(
        r#"{"strategy_id": "anomaly_detection",
            "config": {"method": "z_score", "window_size": 50, "threshold": 3,
                       "fields": ["temperature", "vibration"]}}"#,
    )?;
    let detector = registry.build_request(&request)?;
    // The rows fed to the online states carry these fields, in this order.
    let schema = Schema {
        timestamp_field: Some("timestamp".into()),
        value_fields: vec!["temperature".into(), "vibration".into()],
        ..Schema::default()
    };

    let text = std::fs::read_to_string(data("sensor_stream.ndjson"))?;
    let mut states: BTreeMap<String, Box<dyn OnlineStrategy>> = BTreeMap::new();
    let mut by_stream: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let mut values = Vec::with_capacity(schema.value_fields.len());
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let record = Record::from_json(line.as_bytes())
            .map_err(|e| format!("sensor_stream.ndjson:{}: {e}", i + 1))?;
        if !states.contains_key(&record.stream_id) {
            let state = detector.online(&schema)?.ok_or("z_score runs online")?;
            states.insert(record.stream_id.clone(), state);
        }
        let state = states
            .get_mut(&record.stream_id)
            .ok_or("a state per stream")?;
        values.clear();
        values.extend(schema.value_fields.iter().map(|f| {
            record
                .payload
                .get(f)
                .and_then(Value::as_f64)
                .unwrap_or(f64::NAN)
        }));
        let row = RowRef {
            stream_id: &record.stream_id,
            timestamp: record.time()?,
            values: &values,
        };
        state.update(row, &mut events);
        by_stream
            .entry(record.stream_id.clone())
            .or_default()
            .push(record);
    }

    let alerts: Vec<&Alert> = events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(a),
            Event::StrategyResult(_) => None,
        })
        .collect();
    let field_of = |a: &Alert| a.context["field"].as_str().unwrap_or("").to_owned();
    let time_of = |a: &Alert| a.timestamp.map(|t| t.to_string()).unwrap_or_default();
    let is_injected = |a: &Alert| {
        INJECTED
            .iter()
            .any(|&(s, t, f)| a.stream_id == s && time_of(a) == t && field_of(a) == f)
    };
    println!(
        "anomaly_detection (z-score, window 50, 3σ) over {} records in {} streams: {} alerts",
        text.lines().count(),
        states.len(),
        alerts.len()
    );
    for a in &alerts {
        let mark = if is_injected(a) { "injected" } else { "noise" };
        println!(
            "  {} {:<8} {:<8} [{mark}] {}",
            time_of(a),
            a.stream_id,
            a.level,
            a.message
        );
    }

    // Every injected spike is caught, on the right stream, field and minute.
    assert_eq!(states.len(), 3);
    for (stream, time, field) in INJECTED {
        assert!(
            alerts
                .iter()
                .any(|a| a.stream_id == stream && time_of(a) == time && field_of(a) == field),
            "no alert for the {field} spike on {stream} at {time}"
        );
    }
    // At 3σ, plain noise trips the detector only now and then.
    let noise = alerts.iter().filter(|a| !is_injected(a)).count();
    assert!(noise <= 5, "{noise} alerts on plain noise");
    for a in &alerts {
        assert_eq!(a.strategy_id, "anomaly_detection");
        let z = a.context["zscore"].as_f64().ok_or("a zscore")?;
        assert!(z.abs() > 3.0, "{z}");
    }

    // Batch and online agree: the batch run over each stream's records finds the same anomalies.
    for (stream, records) in &by_stream {
        let frame = Frame::from_records(records)?;
        let batch = detector.execute(&frame)?;
        let online = alerts.iter().filter(|a| &a.stream_id == stream).count();
        assert_eq!(
            batch.report::<AnomalyReport>()?.anomaly_count,
            online,
            "{stream}: batch and online disagree"
        );
    }

    // The CSV twin of the stream carries the same temperatures, in the same order.
    let csv = stratos::ingest::read_path(&data("sensor_stream.csv"), &ReadOptions::default())?;
    assert_eq!(csv.schema().timestamp_field.as_deref(), Some("timestamp"));
    assert_eq!(csv.schema().value_fields, ["value"]);
    assert_eq!(csv.schema().category_fields, ["stream_id"]);
    let streams = csv.category("stream_id").ok_or("a stream_id column")?;
    let csv_values = csv.column("value").ok_or("a value column")?;
    assert_eq!(csv.len(), text.lines().count());
    for (k, line) in text.lines().enumerate() {
        let record = Record::from_json(line.as_bytes())?;
        let temperature = record.number("temperature")?;
        assert_eq!(streams.get(k), Some(record.stream_id.as_str()));
        assert!((csv_values[k] - temperature).abs() < 1e-12, "row {k}");
    }
    Ok(())
}
