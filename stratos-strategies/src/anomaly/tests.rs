use super::*;
use proptest::prelude::{Just, prop_assert, prop_assert_eq, prop_oneof, proptest};
use stratos_core::{AlertLevel, StrategyConfig};

fn strategy(config: serde_json::Value) -> AnomalyStrategy {
    AnomalyStrategy::from_config(AnomalyConfig::from_json(config).unwrap()).unwrap()
}

fn schema(fields: &[&str]) -> Schema {
    Schema {
        value_fields: fields.iter().map(|f| f.to_string()).collect(),
        ..Schema::default()
    }
}

#[test]
fn batch_flags_scores_and_outputs() {
    let s = strategy(json!({"window_size": 4, "threshold": 3.0}));
    let r = s
        .execute(&Frame::from_values(
            "value",
            vec![1.0, 2.0, 1.0, 2.0, 1.5, 9.0, 1.0],
        ))
        .unwrap();
    assert_eq!(r.kind, ResultType::Anomaly);
    assert_eq!(r.data["anomalyCount"], 1);
    let a = &r.data["anomalies"][0];
    assert_eq!(a["index"], 5);
    // window [2, 1, 2, 1.5]: mean 1.625, sample std sqrt(0.6875/3).
    let z = (9.0 - 1.625) / (0.6875f64 / 3.0).sqrt();
    assert!((a["zscore"].as_f64().unwrap() - z).abs() < 1e-12);
    assert_eq!(r.metrics["anomaly_count"], 1.0);
    assert_eq!(
        r.outputs
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["zscore", "anomaly_score", "is_anomaly"]
    );
    assert_eq!(r.confidence, 3.0 / 7.0);
}

#[test]
fn not_enough_data_and_missing_fields_are_errors() {
    let s = strategy(json!({"window_size": 10}));
    let e = s
        .execute(&Frame::from_values("value", vec![1.0; 10]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "anomaly_detection: needs at least 11 data points in `value`, got 10"
    );
    let s = strategy(json!({"fields": ["a", "b"]}));
    let e = s
        .execute(&Frame::from_values("a", vec![1.0; 200]))
        .unwrap_err();
    assert!(e.to_string().contains("`b` names no numeric field"), "{e}");
}

#[test]
fn constant_series_has_no_anomalies_and_no_nan() {
    let s = strategy(json!({"window_size": 5}));
    let r = s
        .execute(&Frame::from_values("value", vec![7.0; 50]))
        .unwrap();
    assert_eq!(r.data["anomalyCount"], 0);
    assert_eq!(r.metrics["max_abs_zscore"], 0.0);
    assert!(r.metrics.values().all(|v| v.is_finite()));
}

#[test]
fn several_fields_are_scored_separately() {
    let s = strategy(json!({"window_size": 3, "threshold": 2.0, "fields": ["a", "b"]}));
    let frame = Frame::builder()
        .numeric("a", vec![1.0, 2.0, 1.0, 1.5, 1.2])
        .numeric("b", vec![5.0, 6.0, 5.0, 50.0, 5.5])
        .build()
        .unwrap();
    let r = s.execute(&frame).unwrap();
    assert_eq!(r.data["anomalies"][0]["field"], "b");
    assert_eq!(r.data["anomalies"][0]["index"], 3);
    assert_eq!(
        r.outputs
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["zscore_a", "zscore_b", "anomaly_score", "is_anomaly"]
    );
}

#[test]
fn online_alerts_carry_level_message_and_context() {
    let s = strategy(json!({"window_size": 4, "threshold": 3.0, "alert_level": "CRITICAL"}));
    let mut online = s.online(&schema(&["x", "value"])).unwrap().unwrap();
    let mut out = Vec::new();
    for v in [1.0, 2.0, 1.0, 2.0, 1.5, 9.0] {
        online.update(
            RowRef {
                stream_id: "motor_01",
                timestamp: None,
                values: &[0.0, v],
            },
            &mut out,
        );
    }
    assert_eq!(out.len(), 1);
    let Event::Alert(a) = &out[0] else {
        panic!("expected an alert")
    };
    assert_eq!(a.level, AlertLevel::Critical);
    assert_eq!(a.stream_id, "motor_01");
    assert_eq!(
        a.message,
        "anomaly in `value`: 9 is 15.41σ above the mean 1.625 of the previous 4 values (threshold 3σ)"
    );
    assert_eq!(a.context["window_size"], 4);
}

proptest! {
    /// Batch equals online: the alerts of an online run are exactly the batch anomalies.
    #[test]
    fn batch_equals_online(
        xs in proptest::collection::vec(prop_oneof![20 => -10.0f64..10.0, 1 => Just(f64::NAN), 1 => Just(40.0)], 0..200),
        w in 2usize..12,
        ddof in 0usize..2,
        threshold in 1.0f64..3.0,
    ) {
        let s = strategy(json!({"window_size": w, "ddof": ddof, "threshold": threshold}));
        let mut online = s.online(&schema(&["value"])).unwrap().unwrap();
        let mut out = Vec::new();
        let mut online_idx = Vec::new();
        for (i, &x) in xs.iter().enumerate() {
            let before = out.len();
            online.update(RowRef { stream_id: "s", timestamp: None, values: &[x] }, &mut out);
            if out.len() > before {
                online_idx.push(i as u64);
            }
        }
        match s.execute(&Frame::from_values("value", xs.clone())) {
            Ok(r) => {
                let batch_idx: Vec<u64> = r.data["anomalies"].as_array().unwrap().iter().map(|a| a["index"].as_u64().unwrap()).collect();
                prop_assert_eq!(online_idx, batch_idx);
            }
            Err(_) => prop_assert!(online_idx.is_empty()),
        }
    }

    /// A series offset by 1e9 gets the same flags as the unshifted one.
    #[test]
    fn offset_series_gives_the_same_flags(xs in proptest::collection::vec(-5.0f64..5.0, 30..300)) {
        let s = strategy(json!({"window_size": 20, "threshold": 2.0}));
        let flags = |ys: Vec<f64>| s.execute(&Frame::from_values("value", ys)).unwrap().outputs.get("is_anomaly").cloned();
        // Values quantised to 1e-3 so no |z| sits within rounding distance of the threshold.
        let q: Vec<f64> = xs.iter().map(|x| (x * 1e3).round() / 1e3).collect();
        let qs: Vec<f64> = q.iter().map(|x| x + 1e9).collect();
        prop_assert_eq!(flags(q), flags(qs));
    }
}
