use proptest::prelude::*;
use stratos_core::{CategoryColumn, Frame, Schema, Strategy, StrategyConfig};

use super::*;

fn strategy(json: serde_json::Value) -> WindowStrategy {
    WindowStrategy::from_config(WindowConfig::from_json(json).unwrap()).unwrap()
}

/// A frame of `(seconds, group, value, error)` rows.
fn frame(rows: &[(i64, &str, f64, f64)]) -> Frame {
    let mut groups = CategoryColumn::new("company_id");
    for r in rows {
        groups.push(Some(r.1));
    }
    Frame::builder()
        .timestamps(
            "timestamp",
            rows.iter()
                .map(|r| Timestamp::from_epoch_seconds(r.0).unwrap())
                .collect(),
        )
        .numeric("value", rows.iter().map(|r| r.2).collect())
        .numeric("error", rows.iter().map(|r| r.3).collect())
        .category(groups)
        .build()
        .unwrap()
}

/// Runs the online form over the frame's rows, as the engine would.
fn online(s: &WindowStrategy, f: &Frame) -> Vec<Event> {
    let schema = Schema {
        value_fields: f.schema().value_fields.clone(),
        category_fields: f.schema().category_fields.clone(),
        ..Schema::default()
    };
    let fields = s.input_fields(&schema).unwrap();
    let cats = s.input_categories(&schema).unwrap();
    let bound = Schema {
        value_fields: fields.clone(),
        category_fields: cats.clone(),
        ..Schema::default()
    };
    let mut state = s.online(&bound).unwrap().unwrap();
    let mut out = Vec::new();
    for i in 0..f.len() {
        let values: Vec<f64> = fields.iter().map(|c| f.column(c).unwrap()[i]).collect();
        let categories: Vec<&str> = cats
            .iter()
            .map(|c| f.category(c).unwrap().get(i).unwrap_or(""))
            .collect();
        state.update_with_categories(
            RowRef {
                stream_id: "s",
                timestamp: f.timestamps().map(|t| t[i]),
                values: &values,
            },
            &categories,
            &mut out,
        );
    }
    out
}

fn results(events: &[Event]) -> Vec<serde_json::Value> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StrategyResult(r) => Some(r.data.clone()),
            _ => None,
        })
        .collect()
}

fn alerts(events: &[Event]) -> Vec<&Alert> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// Batch windows closed by the watermark, without the `complete` key: what online emits.
fn batch_complete(result: &StrategyResult) -> Vec<serde_json::Value> {
    result.data["windows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["complete"] == true)
        .map(|w| {
            let mut w = w.clone();
            w.as_object_mut().unwrap().remove("complete");
            w
        })
        .collect()
}

const T0: i64 = 1_705_312_800; // 2024-01-15T10:00:00Z, on the hour

#[test]
fn streamaudit_per_company_hourly_summary() {
    // StreamAudit's business metrics: audit completions per company, summarised per hour.
    let mut rows = Vec::new();
    for h in 0..3 {
        for k in 0..60 {
            let t = T0 + h * 3600 + k * 60;
            let company = if k % 3 == 0 { "acme" } else { "globex" };
            let amount = 10.0 * (k % 5 + 1) as f64;
            let failed = if k % 10 == 0 { 1.0 } else { 0.0 };
            rows.push((t, company, amount, failed));
        }
    }
    let s = strategy(serde_json::json!({
        "window": "1h", "group_by": "company_id",
        "aggregations": ["count", "sum(value)", "mean(value)", "p95(value)", "rate(error)"]
    }));
    let f = frame(&rows);
    let result = s.execute(&f).unwrap();
    let windows = result.data["windows"].as_array().unwrap();
    // 3 hours × 2 companies.
    assert_eq!(windows.len(), 6);
    let first_acme = &windows[0];
    assert_eq!(first_acme["group"], "acme");
    assert_eq!(first_acme["window_start"], "2024-01-15T10:00:00Z");
    assert_eq!(first_acme["window_end"], "2024-01-15T11:00:00Z");
    // acme: k = 0, 3, …, 57 (20 rows); amounts 10·(k mod 5 + 1); failures at k = 0, 30.
    let acme: Vec<f64> = (0..60)
        .filter(|k| k % 3 == 0)
        .map(|k| 10.0 * (k % 5 + 1) as f64)
        .collect();
    assert_eq!(first_acme["count"], 20);
    assert_eq!(
        first_acme["aggregates"]["sum(value)"],
        acme.iter().sum::<f64>()
    );
    assert_eq!(
        first_acme["aggregates"]["mean(value)"],
        acme.iter().sum::<f64>() / 20.0
    );
    assert_eq!(first_acme["aggregates"]["rate(error)"], 0.1);
    let p95 = first_acme["aggregates"]["p95(value)"].as_f64().unwrap();
    assert!((p95 - 50.0).abs() <= 0.5, "p95 {p95}");
    assert_eq!(windows[1]["group"], "globex");
    assert_eq!(windows[1]["count"], 40);
    // The last hour's windows are still open at the end of the input.
    assert_eq!(windows[4]["complete"], false);
    assert_eq!(windows[5]["complete"], false);

    let events = online(&s, &f);
    assert_eq!(results(&events), batch_complete(&result));
    assert_eq!(results(&events).len(), 4);
}

#[test]
fn streamflow_error_rate_rule_with_suppression() {
    // StreamFlow's AlertRule: condition "error_rate > 0.05", level critical, suppression 5 min.
    // One request a second; 10 % errors from minute 10 to minute 30, at most 2/60 otherwise.
    let rows: Vec<(i64, &str, f64, f64)> = (0..2400)
        .map(|i| {
            let minute = i / 60;
            let error = if (10..30).contains(&minute) {
                i % 10 == 0
            } else {
                i % 100 == 0
            };
            (T0 + i, "web", 100.0, if error { 1.0 } else { 0.0 })
        })
        .collect();
    let s = strategy(serde_json::json!({
        "window": "1m", "aggregations": ["count", "rate(error)"],
        "rules": [{"name": "errors", "condition": "error_rate > 0.05", "level": "critical", "suppression_minutes": 5}]
    }));
    let f = frame(&rows);
    let events = online(&s, &f);
    let fired = alerts(&events);
    // Minutes 10..30 have a 10 % error rate: alerts at 10, 15, 20, 25 (4 suppressed between).
    let minutes: Vec<i64> = fired
        .iter()
        .map(|a| (a.timestamp.unwrap().epoch_seconds() - T0) / 60 - 1)
        .collect();
    assert_eq!(minutes, [10, 15, 20, 25]);
    assert!(
        fired
            .iter()
            .all(|a| a.level == stratos_core::AlertLevel::Critical)
    );
    assert_eq!(fired[1].context["suppressed"], 4);
    assert_eq!(fired[0].context["value"], 0.1);
    assert!(
        fired[1].message.contains("4 alerts suppressed"),
        "{}",
        fired[1].message
    );

    let batch = s.execute(&f).unwrap();
    assert_eq!(batch.data["alertCount"], 4);
    assert_eq!(batch.data["suppressedAlerts"], 16);
}

#[test]
fn a_rule_with_for_needs_consecutive_windows() {
    // mean(value) > 80 for 5m over 1-minute windows: five hot minutes in a row.
    let hot = |m: i64| (3..6).contains(&m) || (8..14).contains(&m);
    let rows: Vec<(i64, &str, f64, f64)> = (0..20 * 60)
        .step_by(10)
        .map(|s| (T0 + s, "m", if hot(s / 60) { 90.0 } else { 70.0 }, 0.0))
        .collect();
    let s = strategy(serde_json::json!({
        "window": 60, "aggregations": ["mean"],
        "rules": [{"condition": "mean(value) > 80 for 5m", "level": "WARNING"}]
    }));
    let events = online(&s, &frame(&rows));
    let ends: Vec<i64> = alerts(&events)
        .iter()
        .map(|a| (a.timestamp.unwrap().epoch_seconds() - T0) / 60 - 1)
        .collect();
    // Minutes 3–5 are too short a run; 8–13 fires at 12 (fifth in a row) and again at 13.
    assert_eq!(ends, [12, 13]);
}

#[test]
fn sliding_windows_and_lateness() {
    let rows: Vec<(i64, &str, f64, f64)> = (0..10).map(|i| (T0 + 30 * i, "g", 1.0, 0.0)).collect();
    let s = strategy(serde_json::json!({"window": 120, "slide": 60, "aggregations": ["count"]}));
    let r = s.execute(&frame(&rows)).unwrap();
    let counts: Vec<u64> = r.data["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["count"].as_u64().unwrap())
        .collect();
    // Windows end every minute; the first holds only its first minute.
    assert_eq!(counts, [2, 4, 4, 4, 4, 2]);

    // A record 90 s late: dropped without lateness, counted with 120 s allowed.
    let mut rows: Vec<(i64, &str, f64, f64)> =
        (0..6).map(|i| (T0 + 60 * i, "g", 1.0, 0.0)).collect();
    rows.push((T0 + 5 * 60 - 90, "g", 1.0, 0.0));
    let strict = strategy(serde_json::json!({"window": 60, "aggregations": ["count"]}));
    assert_eq!(
        strict.execute(&frame(&rows)).unwrap().data["lateRecords"],
        1
    );
    let lenient = strategy(
        serde_json::json!({"window": 60, "aggregations": ["count"], "allowed_lateness": 120}),
    );
    let r = lenient.execute(&frame(&rows)).unwrap();
    assert_eq!(r.data["lateRecords"], 0);
    let total: u64 = r.data["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 7);
}

#[test]
fn groups_past_max_groups_go_to_other() {
    let names: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    let rows: Vec<(i64, &str, f64, f64)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (T0 + i as i64, n.as_str(), 1.0, 0.0))
        .collect();
    let s = strategy(
        serde_json::json!({"window": 60, "group_by": "company_id", "aggregations": ["count"], "max_groups": 3}),
    );
    let r = s.execute(&frame(&rows)).unwrap();
    let groups: Vec<&str> = r.data["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["_other", "c0", "c1", "c2"]);
    assert_eq!(r.data["otherGroupRecords"], 7);
}

#[test]
fn edge_inputs_are_answered() {
    let s = strategy(serde_json::json!({}));
    assert!(matches!(
        s.execute(&Frame::from_values("value", vec![])),
        Err(StrategyError::NotEnoughData { .. })
    ));
    // No timestamps: row i at i seconds.
    let r = s
        .execute(&Frame::from_values(
            "value",
            vec![f64::NAN, 1.0, f64::INFINITY],
        ))
        .unwrap();
    assert_eq!(r.data["windows"][0]["count"], 3);
    assert_eq!(r.data["windows"][0]["aggregates"]["mean(value)"], 1.0);
    let r = s
        .execute(&Frame::from_values("value", vec![f64::NAN]))
        .unwrap();
    assert!(r.data["windows"][0]["aggregates"]["mean(value)"].is_null());
    let grouped = strategy(serde_json::json!({"group_by": "company"}));
    assert!(
        grouped
            .execute(&Frame::from_values("value", vec![1.0]))
            .is_err()
    );
}

#[test]
fn memory_per_stream_stays_bounded() {
    let s = strategy(
        serde_json::json!({"window": 300, "slide": 60, "group_by": "company_id",
        "aggregations": ["p95(value)"], "allowed_lateness": 60}),
    );
    let schema = Schema {
        value_fields: vec!["value".into()],
        category_fields: vec!["company_id".into()],
        ..Schema::default()
    };
    let mut state = WindowOnline {
        strategy: s.clone(),
        plan: s.plan(&schema).unwrap(),
        indexes: vec![0],
        group_index: Some(0),
        windows: Windows::new(),
        values: vec![f64::NAN],
        out: aggregate::Output::default(),
    };
    let mut out = Vec::new();
    let mut most = (0, 0);
    for i in 0..100_000i64 {
        let company = ["a", "b", "c"][(i % 3) as usize];
        state.update_with_categories(
            RowRef {
                stream_id: "s",
                timestamp: Some(Timestamp::from_epoch_seconds(T0 + i).unwrap()),
                values: &[(i % 1000) as f64],
            },
            &[company],
            &mut out,
        );
        out.clear();
        let held = state.held();
        most = (most.0.max(held.0), most.1.max(held.1));
    }
    // (300 + 60) / 60 + 1 = 7 panes per group, 3 groups.
    assert!(most.0 <= 3 * 7, "{most:?}");
    assert_eq!(most.1, 3);
}

proptest! {
    #[test]
    fn online_equals_batch(
        steps in prop::collection::vec((0i64..90, 0usize..3, -50.0f64..150.0, prop::bool::weighted(0.2)), 1..200),
        window in prop::sample::select(vec![10u64, 30, 60, 120]),
        slides in 1u64..4,
        lateness in 0u64..60,
        grouped in any::<bool>(),
        threshold in 0.0f64..100.0,
        suppression in 0.0f64..3.0,
    ) {
        let slide = if window % slides == 0 { window / slides } else { window };
        let mut config = serde_json::json!({"window": window, "slide": slide, "allowed_lateness": lateness,
            "aggregations": ["count", "sum(value)", "mean(value)", "min(value)", "max(value)", "p50(value)", "p95(value)", "rate(error)", "rate"],
            "rules": [{"condition": format!("mean(value) > {threshold}"), "suppression_minutes": suppression},
                      {"condition": "rate(error) >= 0.3 for 60", "level": "CRITICAL"}]});
        if grouped {
            config["group_by"] = "company_id".into();
        }
        let s = strategy(config);
        let names = ["a", "b", "c"];
        let mut t = T0;
        let rows: Vec<(i64, &str, f64, f64)> = steps
            .iter()
            .map(|&(dt, g, v, e)| {
                t += dt - 20;
                (t, names[g], v, if e { 1.0 } else { 0.0 })
            })
            .collect();
        let f = frame(&rows);
        let batch = s.execute(&f).unwrap();
        let events = online(&s, &f);
        prop_assert_eq!(results(&events), batch_complete(&batch));
        let online_alerts: Vec<serde_json::Value> = alerts(&events).iter().map(|a| a.context.clone()).collect();
        let batch_alerts: Vec<serde_json::Value> = batch.data["alerts"].as_array().unwrap().iter().map(|a| {
            let mut a = a.clone();
            let m = a.as_object_mut().unwrap();
            m.remove("level");
            m.remove("message");
            a
        }).collect();
        prop_assert_eq!(online_alerts, batch_alerts);
    }
}
