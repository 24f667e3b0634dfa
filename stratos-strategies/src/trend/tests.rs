use proptest::prelude::*;
use stratos_core::{Frame, Schema, Strategy, StrategyConfig};

use super::*;

fn strategy(json: serde_json::Value) -> TrendStrategy {
    TrendStrategy::from_config(TrendConfig::from_json(json).unwrap()).unwrap()
}

fn frame(times: &[i64], values: &[f64]) -> Frame {
    Frame::builder()
        .timestamps(
            "timestamp",
            times
                .iter()
                .map(|&s| Timestamp::from_epoch_seconds(s).unwrap())
                .collect(),
        )
        .numeric("mentions", values.to_vec())
        .build()
        .unwrap()
}

fn online_events(s: &TrendStrategy, f: &Frame) -> Vec<Event> {
    let schema = Schema {
        value_fields: f.schema().value_fields.clone(),
        ..Schema::default()
    };
    let mut state = s.online(&schema).unwrap().unwrap();
    let mut out = Vec::new();
    let field = schema.value_fields.first();
    for i in 0..f.len() {
        let values: Vec<f64> = field.map(|c| f.column(c).unwrap()[i]).into_iter().collect();
        state.update(
            RowRef {
                stream_id: "brand_mentions",
                timestamp: f.timestamps().map(|t| t[i]),
                values: &values,
            },
            &mut out,
        );
    }
    out
}

/// (status, timestamp) of each online `strategy_result`.
fn changes(events: &[Event]) -> Vec<(String, Option<Timestamp>, serde_json::Value)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StrategyResult(r) => Some((
                r.data["status"].as_str().unwrap().to_owned(),
                r.timestamp,
                r.data["growth"].clone(),
            )),
            _ => None,
        })
        .collect()
}

/// The same, derived from the batch result's `trends`.
fn batch_changes(
    result: &StrategyResult,
    f: &Frame,
) -> Vec<(String, Option<Timestamp>, serde_json::Value)> {
    let growth = match result.outputs.get("growth") {
        Some(stratos_core::OutputValues::Number(g)) => g.clone(),
        _ => panic!("no growth output"),
    };
    let g = |i: usize| json_num(growth[i]);
    let at = |i: usize| f.timestamps().map(|t| t[i]);
    let mut out = Vec::new();
    for t in result.data["trends"].as_array().unwrap() {
        let start = t["start_index"].as_u64().unwrap() as usize;
        out.push(("trend_started".to_owned(), at(start), g(start)));
        if let Some(end) = t["end_index"].as_u64() {
            let end = end as usize;
            out.push(("trend_ended".to_owned(), at(end), g(end)));
        }
    }
    out
}

#[test]
fn viral_mentions_raise_one_alert_seed_scenario() {
    // The seed's social example: brand mentions every minute, ~120 for two hours, then a burst
    // to ~400; config {"growth_threshold": 2.0, "time_window": 1800, "min_baseline": 100}.
    let s = strategy(
        serde_json::json!({"growth_threshold": 2.0, "time_window": 1800, "min_baseline": 100}),
    );
    let times: Vec<i64> = (0..180).map(|m| 1_705_312_200 + 60 * m).collect();
    let values: Vec<f64> = (0..180)
        .map(|m| {
            if m < 120 {
                120.0 + (m % 7) as f64
            } else {
                400.0
            }
        })
        .collect();
    let f = frame(&times, &values);
    let events = online_events(&s, &f);
    let alerts: Vec<&Alert> = events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(alerts.len(), 1, "{events:#?}");
    let a = alerts[0];
    assert_eq!(a.level, stratos_core::AlertLevel::Warning);
    assert_eq!(a.context["status"], "trend_started");
    assert!(a.context["growth"].as_f64().unwrap() >= 2.0);
    assert!(a.message.contains("mean of `mentions`"), "{}", a.message);
    // The burst starts at minute 120; growth passes 2 once the current half hour's mean is
    // twice the previous half hour's (~123): (k·400 + (30−k)·123)/30 ≥ 246 from k = 14.
    let minute = (a.timestamp.unwrap().epoch_seconds() - 1_705_312_200) / 60;
    assert!((120..=140).contains(&minute), "started at minute {minute}");

    let batch = s.execute(&f).unwrap();
    assert_eq!(batch.kind, ResultType::Trend);
    assert_eq!(batch.data["trendCount"], 1);
    assert_eq!(changes(&events), batch_changes(&batch, &f));
}

#[test]
fn a_baseline_below_min_baseline_never_trends() {
    let s = strategy(serde_json::json!({"time_window": 60, "min_baseline": 100}));
    let times: Vec<i64> = (0..300).collect();
    let values: Vec<f64> = (0..300)
        .map(|i| if i < 150 { 10.0 } else { 90.0 })
        .collect();
    let result = s.execute(&frame(&times, &values)).unwrap();
    assert_eq!(result.data["trendCount"], 0);
    assert!(result.data["currentGrowth"].is_null());
}

#[test]
fn event_count_growth_reads_no_field() {
    let s = strategy(
        serde_json::json!({"measure": "count", "time_window": 60, "buckets": 6, "min_baseline": 10}),
    );
    assert!(s.input_fields(&Schema::default()).unwrap().is_empty());
    // One event every 4 s, then one per second.
    let mut times: Vec<i64> = (0..60).map(|i| 4 * i).collect();
    times.extend(240..400);
    let values = vec![f64::NAN; times.len()];
    let f = frame(&times, &values);
    let result = s.execute(&f).unwrap();
    assert_eq!(result.data["trendCount"], 1);
    assert_eq!(changes(&online_events(&s, &f)), batch_changes(&result, &f));
}

#[test]
fn edge_inputs_are_answered() {
    let s = strategy(serde_json::json!({}));
    let e = s.execute(&Frame::from_values("value", vec![])).unwrap_err();
    assert!(matches!(e, StrategyError::NotEnoughData { .. }), "{e}");
    let r = s.execute(&Frame::from_values("value", vec![1.0])).unwrap();
    assert_eq!(r.data["trendCount"], 0);
    let r = s
        .execute(&Frame::from_values(
            "value",
            vec![f64::NAN, f64::INFINITY, 3.0],
        ))
        .unwrap();
    assert_eq!(r.data["points"], 3);
    let r = s
        .execute(&Frame::from_values("value", vec![5.0; 10_000]))
        .unwrap();
    assert_eq!(r.data["trendCount"], 0);
    assert_eq!(r.metrics["current_growth"], 1.0);
}

proptest! {
    #[test]
    fn online_equals_batch(
        steps in prop::collection::vec((0i64..400, 0.0f64..1000.0), 1..300),
        window in 1u64..200,
        buckets in 1usize..20,
        threshold in 1.1f64..4.0,
        min_baseline in 0.0f64..200.0,
        measure in prop::sample::select(vec!["mean", "sum", "count"]),
    ) {
        let s = strategy(serde_json::json!({"time_window": window, "buckets": buckets,
            "growth_threshold": threshold, "min_baseline": min_baseline, "measure": measure}));
        // Mostly increasing times with some late records.
        let mut t = 1_700_000_000i64;
        let mut times = Vec::new();
        let mut values = Vec::new();
        for (dt, v) in steps {
            t += dt - 40;
            times.push(t);
            values.push(v);
        }
        let f = frame(&times, &values);
        let batch = s.execute(&f).unwrap();
        let events = online_events(&s, &f);
        prop_assert_eq!(changes(&events), batch_changes(&batch, &f));
    }

    #[test]
    fn memory_per_stream_is_fixed(
        n in 1usize..2000, window in 1u64..10_000, buckets in 1usize..100,
    ) {
        let mut w = GrowthWindow::new(window, buckets);
        for i in 0..n {
            w.push(i as i64 * 1_000, i as f64);
            prop_assert_eq!(w.capacity(), 2 * buckets);
        }
    }
}
