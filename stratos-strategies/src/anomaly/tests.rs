use super::*;
use proptest::prelude::{Just, prop_assert, prop_assert_eq, prop_oneof, proptest};
use stratos_core::OutputValues;
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

/// A config for each method (and the ensemble and adaptive forms), small windows.
fn method_configs(w: usize) -> Vec<serde_json::Value> {
    vec![
        json!({"method": "z_score", "window_size": w}),
        json!({"method": "robust_z", "window_size": w, "threshold": 2.5}),
        json!({"method": "iqr", "window_size": w, "threshold": 1.5}),
        json!({"method": "ewma", "window_size": w, "alpha": 0.2, "threshold": 2.0}),
        json!({"method": "isolation_forest", "window_size": w.max(8), "n_trees": 10, "sample_size": 8, "refit_every": 5, "score_threshold": 0.55, "seed": 7}),
        json!({"method": "ensemble", "window_size": w, "methods": ["z_score", "iqr", "isolation_forest"], "n_trees": 5, "sample_size": 8, "min_votes": 1}),
        json!({"method": "ewma", "window_size": w, "adaptiveThreshold": true, "adaptive_window": 20, "adaptive_quantile": 0.9}),
        json!({"ensemble": true, "window_size": w, "combine": "max", "adaptiveThreshold": true, "adaptive_window": 10}),
        json!({"method": "z_score", "window_size": w, "adaptiveThreshold": true, "adaptive_window": 30, "suppress_window": 7}),
        json!({"method": "robust_z", "window_size": w, "suppress_window": 3}),
        json!({"method": "art", "art_step": 1, "score_threshold": 0.05}),
        json!({"method": "one_class_svm", "window_size": w, "n_components": 64, "score_threshold": 0.5, "seed": 3}),
        json!({"method": "seasonal", "residual_window": w, "period_window": 40, "threshold": 3.0}),
        json!({"method": "ensemble", "window_size": w, "methods": ["z_score", "one_class_svm", "seasonal", "art"], "period_window": 40, "art_step": 1, "min_votes": 1}),
        // The seed's config (seed 001), with a small forest.
        json!({"methods": ["z_score", "isolation_forest", "one_class_svm"], "ensemble": true, "adaptiveThreshold": true, "adaptive_window": 20, "window_size": w.max(8), "n_trees": 5, "sample_size": 8}),
    ]
}

/// Runs a strategy online over rows of two fields; returns (row index, message) per alert.
fn online_alerts(s: &AnomalyStrategy, rows: &[(f64, f64)]) -> Vec<(u64, String)> {
    let mut online = s.online(&schema(&["a", "b"])).unwrap().unwrap();
    let mut out = Vec::new();
    let mut got = Vec::new();
    for (i, &(a, b)) in rows.iter().enumerate() {
        out.clear();
        online.update(
            RowRef {
                stream_id: "s",
                timestamp: None,
                values: &[a, b],
            },
            &mut out,
        );
        for e in &out {
            let Event::Alert(alert) = e else {
                panic!("anomaly_detection emits alerts only")
            };
            got.push((i as u64, alert.message.clone()));
        }
    }
    got
}

#[test]
fn every_method_scores_in_unit_interval_and_flags_a_spike() {
    let mut xs: Vec<f64> = (0..400).map(|i| ((i * 37) % 11) as f64 * 0.1).collect();
    xs[300] = 40.0;
    for c in method_configs(30) {
        let mut c = c.clone();
        c["fields"] = json!(["value"]);
        if c.get("n_trees").is_some() {
            // A forest big enough for stable scores, fitted once.
            c["n_trees"] = json!(100);
            c["sample_size"] = json!(30);
            c["refit_every"] = json!(100_000);
        }
        let s = strategy(c.clone());
        let r = s.execute(&Frame::from_values("value", xs.clone())).unwrap();
        let Some(OutputValues::Number(scores)) = r.outputs.get("anomaly_score") else {
            panic!("{c}: no scores")
        };
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{c}");
        let Some(OutputValues::Flag(flags)) = r.outputs.get("is_anomaly") else {
            panic!("{c}: no flags")
        };
        let top = scores.iter().copied().fold(0.0, f64::max);
        if c["method"] == "art" {
            // ART scores the windows holding the spike: the first or one of the next few.
            assert!(
                flags[300..306].iter().any(|&f| f),
                "{c}: the spike is not flagged"
            );
            let first = scores.iter().position(|&s| s == top);
            assert!(matches!(first, Some(300..=305)), "{c}: top at {first:?}");
            continue;
        }
        assert!(flags[300], "{c}: the spike is not flagged");
        // Highest score (an isolation forest may tie it with the sample's extreme rows: a
        // value beyond the training range follows the extreme rows' path).
        assert_eq!(scores[300], top, "{c}: the spike does not score highest");
    }
}

#[test]
fn isolation_forest_is_reproducible_and_seeded() {
    let xs: Vec<f64> = (0..300).map(|i| ((i * 7919) % 101) as f64).collect();
    let run = |seed: u64| {
        strategy(json!({"method": "isolation_forest", "window_size": 64, "seed": seed}))
            .execute(&Frame::from_values("value", xs.clone()))
            .unwrap()
            .outputs
            .get("anomaly_score")
            .cloned()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn degenerate_inputs_are_answered_for_every_method() {
    for c in method_configs(5) {
        let s = strategy(c.clone());
        for xs in [vec![], vec![1.0], vec![3.0; 100], vec![f64::NAN; 50]] {
            match s.execute(&Frame::from_values("value", xs.clone())) {
                Ok(r) => assert!(r.metrics.values().all(|v| v.is_finite()), "{c}"),
                Err(e) => assert!(matches!(e, StrategyError::NotEnoughData { .. }), "{c}: {e}"),
            }
        }
        let mut xs = vec![1.0, f64::INFINITY, -1e308, 1e308, f64::NAN, 0.0, -0.0];
        xs.extend((0..240).map(f64::from));
        let r = s.execute(&Frame::from_values("value", xs)).unwrap();
        assert!(r.metrics.values().all(|v| v.is_finite()), "{c}");
    }
}

proptest! {
    /// Online equals batch for every method: the same rows alert, with the same messages,
    /// and each alert is a flagged row of the batch run.
    #[test]
    fn every_method_online_equals_batch(
        rows in proptest::collection::vec(
            (prop_oneof![20 => -10.0f64..10.0, 1 => Just(f64::NAN), 1 => Just(60.0)],
             prop_oneof![20 => 0.0f64..5.0, 1 => Just(-30.0)]),
            0..160),
        w in 3usize..10,
    ) {
        for mut c in method_configs(w) {
            c["fields"] = json!(["a", "b"]);
            let s = strategy(c.clone());
            let online = online_alerts(&s, &rows);
            let frame = Frame::builder()
                .numeric("a", rows.iter().map(|r| r.0).collect())
                .numeric("b", rows.iter().map(|r| r.1).collect())
                .build()
                .unwrap();
            match s.execute(&frame) {
                Ok(r) => {
                    let batch: Vec<u64> = r.data["anomalies"].as_array().unwrap().iter().map(|a| a["index"].as_u64().unwrap()).collect();
                    let online_idx: Vec<u64> = online.iter().map(|a| a.0).collect();
                    prop_assert_eq!(&online_idx, &batch, "{}", c);
                    let Some(OutputValues::Flag(flags)) = r.outputs.get("is_anomaly") else { panic!() };
                    for i in &online_idx {
                        prop_assert!(flags[*i as usize]);
                    }
                }
                Err(_) => prop_assert!(online.is_empty(), "{}", c),
            }
        }
    }

    /// Memory per state is bounded: after the windows fill, the heap held stops growing.
    #[test]
    fn state_memory_is_bounded(xs in proptest::collection::vec(-100.0f64..100.0, 200..400), w in 3usize..20) {
        for c in method_configs(w) {
            let cfg = AnomalyConfig::from_json(c.clone()).unwrap();
            let mut det = Detector::new(&cfg, 2);
            let mut row = RowOutcome::default();
            let mut at_fill = 0;
            for (i, &x) in xs.iter().enumerate() {
                det.step(&[x, x * 0.5 + 1.0], &mut row);
                if i == 120 {
                    at_fill = det.heap_bytes();
                }
            }
            prop_assert_eq!(det.heap_bytes(), at_fill, "{}", c);
            // O(window): windows, one forest, the recent scores (and their 4 kB histogram).
            let window = cfg.window_size.max(8);
            let bound = 8 * (2 * window * 2 * 4 + 2 * cfg.adaptive_window)
                + usize::from(cfg.adaptive_threshold) * 4096
                + cfg.n_trees * (2 * cfg.sample_size.min(window) * 24 + 4)
                + 8 * 2 * window * 2
                + 8 * cfg.n_components * (2 * 2 + 5);
            prop_assert!(det.heap_bytes() <= bound, "{}: {} > {}", c, det.heap_bytes(), bound);
        }
    }
}

/// The seed's e-commerce fraud example (seed 000, "E-commerce Fraud Detection"; seed 001's
/// `method: 'isolation_forest'` config): transactions with `amount` and `session_duration`
/// streamed through an isolation forest; the two fraudulent ones (a large amount in a very
/// short session) raise the alerts, ordinary ones almost never do.
#[test]
fn seed_fraud_example_isolation_forest_alerts_on_the_fraud() {
    let s = strategy(json!({
        "method": "isolation_forest",
        "fields": ["amount", "session_duration"],
        "threshold": 3.0,
        "window_size": 512,
        "alert_level": "CRITICAL",
    }));
    let mut rng = SplitMix64::new(2024);
    let mut rows: Vec<(f64, f64)> = (0..3000)
        .map(|_| {
            // Amounts log-uniform in [20, 400); sessions 60–300 s.
            let amount = 20.0 * 20f64.powf(rng.next_f64());
            let session = 60.0 + 240.0 * rng.next_f64();
            (amount, session)
        })
        .collect();
    rows[1500] = (2500.0, 8.0);
    rows[2600] = (4200.0, 5.0);
    let mut online = s
        .online(&schema(&["amount", "session_duration"]))
        .unwrap()
        .unwrap();
    let mut out = Vec::new();
    let mut alerted = Vec::new();
    for (i, &(a, d)) in rows.iter().enumerate() {
        out.clear();
        online.update(
            RowRef {
                stream_id: "user_transactions",
                timestamp: None,
                values: &[a, d],
            },
            &mut out,
        );
        for e in &out {
            let Event::Alert(alert) = e else {
                panic!("expected an alert")
            };
            assert_eq!(alert.level, AlertLevel::Critical);
            assert_eq!(alert.context["method"], "isolation_forest");
            alerted.push((i, alert.clone()));
        }
    }
    let idx: Vec<usize> = alerted.iter().map(|a| a.0).collect();
    assert!(idx.contains(&1500) && idx.contains(&2600), "{idx:?}");
    // Ordinary transactions: at most 3 false alarms in 3000.
    assert!(idx.len() <= 2 + 3, "{idx:?}");
    let fraud = &alerted.iter().find(|a| a.0 == 1500).unwrap().1;
    assert_eq!(fraud.context["values"]["amount"], 2500.0);
    assert!(fraud.context["anomaly_score"].as_f64().unwrap() > 0.75);
    assert!(
        fraud
            .message
            .starts_with("anomaly in `amount`, `session_duration`: isolation_forest score "),
        "{}",
        fraud.message
    );
}

/// A config for each score-only method (small parameters) and `auto`.
fn score_method_configs(w: usize) -> Vec<serde_json::Value> {
    vec![
        json!({"method": "contextual", "contextual": {"rest": 0, "capacity": 400}}),
        json!({"method": "contextual", "contextual": {"rest": w, "bits": 4, "capacity": 300}}),
        json!({"method": "knn_cad", "knn_cad": {"dim": 3, "k": 3, "train": 4 * w, "rest": w}}),
        json!({"method": "relative_entropy", "relative_entropy": {"window": 2 * w, "max_hypotheses": 8}}),
        json!({"method": "auto"}),
        json!({"method": "ensemble", "methods": ["relative_entropy", "z_score"], "window_size": w, "relative_entropy": {"window": w}}),
    ]
}

#[test]
fn score_methods_score_in_unit_interval_and_flag_a_spike() {
    let mut xs: Vec<f64> = (0..600).map(|i| ((i * 37) % 11) as f64 * 0.1).collect();
    xs[500] = 40.0;
    for c in score_method_configs(20) {
        let s = strategy(c.clone());
        let r = s.execute(&Frame::from_values("value", xs.clone())).unwrap();
        let Some(OutputValues::Number(scores)) = r.outputs.get("anomaly_score") else {
            panic!("{c}: no scores")
        };
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{c}");
        assert!(scores[500] >= 0.5, "{c}: the spike scores {}", scores[500]);
    }
}

#[test]
fn auto_flags_a_level_shift_once_and_names_itself() {
    // A noisy level, then a jump: one alert near the jump, none before it.
    let mut xs: Vec<f64> = (0..3000)
        .map(|i| 10.0 + ((i * 7919) % 101) as f64 / 100.0)
        .collect();
    for x in &mut xs[2500..] {
        *x += 8.0;
    }
    let s = strategy(json!({"method": "auto"}));
    let r = s.execute(&Frame::from_values("value", xs)).unwrap();
    let idx: Vec<u64> = r.data["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    // (The first rows after the 200-row warm-up may alert, as the recent-score quantile forms.)
    assert!(idx.contains(&2500), "{idx:?}");
    assert!(idx.iter().all(|&i| !(600..2500).contains(&i)), "{idx:?}");
    assert!(
        idx.iter().all(|&i| !(2501..2600).contains(&i)),
        "{idx:?}: no rest"
    );
    assert_eq!(r.data["method"], "auto");
}

#[test]
fn score_methods_answer_degenerate_inputs() {
    for c in score_method_configs(5) {
        let s = strategy(c.clone());
        for xs in [
            vec![],
            vec![1.0],
            vec![3.0; 400],
            vec![f64::NAN; 50],
            (0..400).map(|i| 1e300 * f64::from(i % 3) - 1e300).collect(),
        ] {
            match s.execute(&Frame::from_values("value", xs.clone())) {
                Ok(r) => {
                    assert!(r.metrics.values().all(|v| v.is_finite()), "{c}");
                    let Some(OutputValues::Number(scores)) = r.outputs.get("anomaly_score") else {
                        panic!("{c}: no scores")
                    };
                    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{c}");
                }
                Err(e) => assert!(matches!(e, StrategyError::NotEnoughData { .. }), "{c}: {e}"),
            }
        }
        let mut xs = vec![1.0, f64::INFINITY, -1e308, 1e308, f64::NAN, 0.0, -0.0];
        xs.extend((0..300).map(f64::from));
        let r = s.execute(&Frame::from_values("value", xs)).unwrap();
        assert!(r.metrics.values().all(|v| v.is_finite()), "{c}");
    }
}

#[test]
fn score_methods_memory_is_bounded() {
    let mut x = 7u64;
    let xs: Vec<f64> = (0..12_000)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 44) as f64
        })
        .collect();
    for c in score_method_configs(10) {
        let cfg = AnomalyConfig::from_json(c.clone()).unwrap();
        let mut det = Detector::new(&cfg, 2);
        let mut row = RowOutcome::default();
        let (mut mid, mut most) = (0, 0);
        for (i, &v) in xs.iter().enumerate() {
            det.step(&[v, v * 0.5 - 3.0], &mut row);
            if i == 6_000 {
                mid = det.heap_bytes();
            }
            if i > 6_000 {
                most = most.max(det.heap_bytes());
            }
        }
        // Flat once the windows and memories are full (a quantile window's blocks may split
        // and merge, so capacities wobble a little, never grow with the stream).
        assert!(most <= mid + mid / 8, "{c}: {most} > {mid} + 1/8");
    }
}

proptest! {
    /// Online equals batch for the score-only methods and `auto`: same alerting rows, same
    /// messages, each a flagged row of the batch run.
    #[test]
    fn score_methods_online_equal_batch(
        rows in proptest::collection::vec(
            (prop_oneof![20 => -10.0f64..10.0, 1 => Just(f64::NAN), 1 => Just(60.0)],
             prop_oneof![20 => 0.0f64..5.0, 1 => Just(-30.0)]),
            0..400),
        w in 3usize..10,
    ) {
        for mut c in score_method_configs(w) {
            c["fields"] = json!(["a", "b"]);
            let s = strategy(c.clone());
            let online = online_alerts(&s, &rows);
            let frame = Frame::builder()
                .numeric("a", rows.iter().map(|r| r.0).collect())
                .numeric("b", rows.iter().map(|r| r.1).collect())
                .build()
                .unwrap();
            match s.execute(&frame) {
                Ok(r) => {
                    let batch: Vec<u64> = r.data["anomalies"].as_array().unwrap().iter().map(|a| a["index"].as_u64().unwrap()).collect();
                    let online_idx: Vec<u64> = online.iter().map(|a| a.0).collect();
                    prop_assert_eq!(&online_idx, &batch, "{}", c);
                    let Some(OutputValues::Flag(flags)) = r.outputs.get("is_anomaly") else { panic!() };
                    for i in &online_idx {
                        prop_assert!(flags[*i as usize]);
                    }
                }
                Err(_) => prop_assert!(online.is_empty(), "{}", c),
            }
        }
    }
}

/// The configs of this module's newer methods, alone and in ensembles.
fn new_method_configs() -> Vec<serde_json::Value> {
    vec![
        json!({"method": "art"}),
        json!({"method": "art", "art_step": 1, "vigilance": 0.8, "score_threshold": 0.05}),
        json!({"method": "one_class_svm"}),
        json!({"method": "one_class_svm", "nu": 0.5, "n_components": 8, "learning_rate": 0.5, "window_size": 5}),
        json!({"method": "seasonal"}),
        json!({"method": "seasonal", "period": 7, "period_window": 20, "residual_window": 10, "season_alpha": 1.0}),
        json!({"method": "ensemble", "methods": ["art", "one_class_svm", "seasonal"], "min_votes": 1, "art_step": 1, "period_window": 50}),
        json!({"methods": ["z_score", "isolation_forest", "one_class_svm"], "ensemble": true, "adaptiveThreshold": true, "adaptive_window": 100}),
    ]
}

/// Constant, all-NaN, huge-magnitude (±1e300), one-row and mixed non-finite streams: no
/// panic, every score in [0, 1] (never NaN), state memory flat once learning is under way,
/// and the batch run answers (or says it needs more data).
#[test]
fn new_methods_survive_hostile_streams() {
    let streams: Vec<Vec<f64>> = vec![
        vec![5.0; 3000],
        vec![f64::NAN; 500],
        (0..3000)
            .map(|i| if i % 2 == 0 { 1e300 } else { -1e300 })
            .collect(),
        (0..3000).map(|i| 1e300 * ((i % 7) as f64 - 3.0)).collect(),
        (0..3000)
            .map(|i| f64::MAX * if i % 5 == 0 { -1.0 } else { 1.0 })
            .collect(),
        vec![1.0],
        (0..3000)
            .map(|i| match i % 5 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                _ => ((i * 37) % 13) as f64,
            })
            .collect(),
    ];
    for c in new_method_configs() {
        let s = strategy(c.clone());
        for xs in &streams {
            let mut state = AnomalyState::new(&s, 1);
            let mut at = None;
            for (i, &x) in xs.iter().enumerate() {
                if let Some((score, _)) = state.update(&[x]) {
                    assert!((0.0..=1.0).contains(&score), "{c}: score {score} at {i}");
                }
                if i == 2500 {
                    at = Some(state.heap_bytes());
                }
            }
            if let Some(m) = at {
                assert_eq!(state.heap_bytes(), m, "{c}: memory grew");
                assert!(m < 64 * 1024, "{c}: {m} bytes");
            }
            match s.execute(&Frame::from_values("value", xs.clone())) {
                Ok(r) => {
                    assert!(r.metrics.values().all(|v| v.is_finite()), "{c}");
                    let Some(OutputValues::Number(scores)) = r.outputs.get("anomaly_score") else {
                        panic!("{c}: no scores")
                    };
                    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{c}");
                }
                Err(e) => assert!(matches!(e, StrategyError::NotEnoughData { .. }), "{c}: {e}"),
            }
        }
    }
}

#[test]
fn new_methods_have_validated_keys() {
    let bad = [
        (
            json!({"method": "art", "art_step": 0}),
            "`art_step` = 0: expected a value in 1..=100000",
        ),
        (
            json!({"method": "art", "vigilance": 1.0}),
            "`vigilance` = 1",
        ),
        (json!({"method": "one_class_svm", "nu": 0.0}), "`nu` = 0"),
        (
            json!({"method": "one_class_svm", "n_components": 0}),
            "`n_components` = 0: expected a value in 1..=4096",
        ),
        (
            json!({"method": "one_class_svm", "learning_rate": 2.0}),
            "`learning_rate` = 2",
        ),
        (
            json!({"method": "seasonal", "period": 700}),
            "`period` = 700: expected a value in 1..=600",
        ),
        (
            json!({"method": "seasonal", "period_window": 4}),
            "`period_window` = 4: expected a value in 8..=1000000",
        ),
        (
            json!({"method": "seasonal", "season_alpha": 0.0}),
            "`season_alpha` = 0",
        ),
    ];
    for (c, want) in bad {
        let e = AnomalyConfig::from_json(c.clone()).unwrap_err().to_string();
        assert!(e.contains(want), "{c}: {e}");
    }
    for m in ["art", "one_class_svm", "seasonal"] {
        let c = AnomalyConfig::from_json(json!({"method": m})).unwrap();
        assert_eq!(c.method.name(), m);
    }
}

/// A seasonal series where a plain z-score flags the peaks and misses the out-of-phase
/// value, while `seasonal` flags that value only.
#[test]
fn seasonal_flags_the_out_of_phase_value_only() {
    let wave = |i: usize| {
        let phase = (i % 24) as f64 * std::f64::consts::TAU / 24.0;
        100.0 + 50.0 * phase.sin() + ((i * 37) % 11) as f64 * 0.3
    };
    let mut xs: Vec<f64> = (0..1500).map(wave).collect();
    // At a trough, a value that is ordinary at the peaks.
    let at = 1218; // 1218 % 24 = 18: the trough
    xs[at] = 150.0;
    let s = strategy(json!({"method": "seasonal"}));
    let r = s.execute(&Frame::from_values("value", xs.clone())).unwrap();
    let idx: Vec<u64> = r.data["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["index"].as_u64().unwrap())
        .collect();
    assert_eq!(idx, vec![at as u64]);
    let z = strategy(json!({"method": "z_score", "window_size": 100}))
        .execute(&Frame::from_values("value", xs))
        .unwrap();
    assert_eq!(
        z.data["anomalyCount"], 0,
        "a plain z-score sees nothing odd"
    );
}

proptest! {
    /// Batch equals online for the newer methods on longer series (ART's probation is 104
    /// windows): the same rows alert.
    #[test]
    fn new_methods_online_equals_batch(
        xs in proptest::collection::vec(prop_oneof![30 => -10.0f64..10.0, 1 => Just(f64::NAN), 2 => Just(80.0)], 150..400),
    ) {
        for c in new_method_configs() {
            let s = strategy(c.clone());
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
                    prop_assert_eq!(online_idx, batch_idx, "{}", c);
                }
                Err(_) => prop_assert!(online_idx.is_empty(), "{}", c),
            }
        }
    }
}
