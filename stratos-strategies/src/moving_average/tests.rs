use super::*;
use proptest::prelude::{Just, any, prop_assert, prop_assert_eq, prop_oneof, proptest};
use proptest::strategy::Strategy as _;
use stratos_core::{StrategyConfig, Timestamp};

fn strategy(config: serde_json::Value) -> MovingAverageStrategy {
    MovingAverageStrategy::from_config(MovingAverageConfig::from_json(config).unwrap()).unwrap()
}

fn schema(field: &str) -> Schema {
    Schema {
        value_fields: vec![field.to_owned()],
        ..Schema::default()
    }
}

#[test]
fn price_vs_average_signals_and_reasons() {
    let s = strategy(json!({"period": 3, "signal_threshold": 0.02}));
    let frame = Frame::from_values("price", vec![100.0, 100.0, 100.0, 110.0]);
    let r = s.execute(&frame).unwrap();
    let sig = r.signal.clone().unwrap();
    assert_eq!(sig.action, Action::Buy);
    // d = (110 − 103.33…) / 103.33… = 6.45% > 2%; strength min(1, 0.0645 / 0.04) = 1.
    assert_eq!(sig.strength, 1.0);
    assert_eq!(
        sig.reason,
        "price 110 is 6.45% above its 3-period SMA 103.3333"
    );
    assert_eq!(r.kind, ResultType::Signal);
    assert_eq!(r.data["currentPrice"], 110.0);
    assert_eq!(r.outputs.field.as_deref(), Some("price"));
    assert_eq!(
        r.outputs
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["sma", "signal"]
    );

    let r = s
        .execute(&Frame::from_values(
            "price",
            vec![100.0, 100.0, 100.0, 99.0],
        ))
        .unwrap();
    let sig = r.signal.unwrap();
    assert_eq!(sig.action, Action::Hold);
    let avg = 299.0 / 3.0;
    assert!((sig.strength - (1.0 - ((avg - 99.0) / avg) / 0.02)).abs() < 1e-12);
    let r = s
        .execute(&Frame::from_values(
            "price",
            vec![100.0, 100.0, 100.0, 90.0],
        ))
        .unwrap();
    assert_eq!(r.signal.unwrap().action, Action::Sell);
}

#[test]
fn crossover_signals_follow_backtesting_py() {
    let s = strategy(json!({"fast": 2, "slow": 3}));
    let xs = [5.0, 4.0, 3.0, 2.0, 3.0, 6.0, 7.0, 4.0, 1.0];
    let rows = s.rows(&xs);
    let actions: Vec<Option<Action>> = rows.iter().map(|r| r.signal.map(|(a, _)| a)).collect();
    use Action::*;
    // fast(2): -, 4.5, 3.5, 2.5, 2.5, 4.5, 6.5, 5.5, 2.5; slow(3): -, -, 4, 3, 2.67, 3.67, 5.33, 5.67, 4
    assert_eq!(
        actions,
        [
            None,
            None,
            Some(Hold),
            Some(Hold),
            Some(Hold),
            Some(Buy),
            Some(Hold),
            Some(Sell),
            Some(Hold)
        ]
    );
    let r = s
        .execute(&Frame::from_values("close", xs.to_vec()))
        .unwrap();
    assert_eq!(r.data["crossovers"], 2);
    assert_eq!(r.data["lastCrossover"]["action"], "SELL");
    assert_eq!(r.data["trend"], "bearish");
    assert_eq!(
        r.outputs
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["sma", "fast_sma", "slow_sma", "crossover"]
    );
}

#[test]
fn too_short_or_missing_field_is_a_typed_error() {
    let s = strategy(json!({"period": 5}));
    let e = s
        .execute(&Frame::from_values("close", vec![1.0, 2.0]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "moving_average: needs at least 5 data points in `close`, got 2"
    );
    let e = s.execute(&Frame::from_values("close", vec![])).unwrap_err();
    assert!(matches!(e, StrategyError::NotEnoughData { got: 0, .. }));
    let s = strategy(json!({"data_field": "price"}));
    let e = s
        .execute(&Frame::from_values("close", vec![1.0]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "moving_average: `price` names no numeric field of the input (numeric fields: close)"
    );
    assert!(s.online(&schema("close")).is_err());
}

#[test]
fn constant_and_nan_inputs_are_answered() {
    let s = strategy(json!({"period": 3}));
    let r = s
        .execute(&Frame::from_values("close", vec![5.0; 10]))
        .unwrap();
    assert_eq!(r.signal.unwrap().action, Action::Hold);
    let r = s
        .execute(&Frame::from_values(
            "close",
            vec![1.0, 2.0, 3.0, 4.0, f64::NAN],
        ))
        .unwrap();
    assert_eq!(r.data["index"], 3, "last defined row is used");
    let zero = s
        .execute(&Frame::from_values("close", vec![0.0; 4]))
        .unwrap_err();
    assert!(
        matches!(zero, StrategyError::NotEnoughData { .. }),
        "average 0 gives no relative signal"
    );
}

#[test]
fn online_emits_one_result_per_defined_row() {
    let s = strategy(json!({"period": 2}));
    let mut online = s.online(&schema("v")).unwrap().unwrap();
    let mut out = Vec::new();
    let t = Timestamp::from_epoch_seconds(60).unwrap();
    for v in [1.0, 2.0, 3.0] {
        online.update(
            RowRef {
                stream_id: "s1",
                timestamp: Some(t),
                values: &[v],
            },
            &mut out,
        );
    }
    assert_eq!(out.len(), 2);
    let Event::StrategyResult(e) = &out[1] else {
        panic!("expected a result")
    };
    assert_eq!(e.stream_id, "s1");
    assert_eq!(e.data["movingAverage"], 2.5);
    assert_eq!(e.signal.as_ref().unwrap().action, Action::Buy);
    online.reset();
    out.clear();
    online.update(
        RowRef {
            stream_id: "s1",
            timestamp: None,
            values: &[1.0],
        },
        &mut out,
    );
    assert!(out.is_empty());
}

fn config_strategy() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    (1usize..12, prop_oneof![Just("sma"), Just("ema"), Just("wma")], any::<bool>(), proptest::option::of((1usize..5, 1usize..6)), 0.0f64..0.1)
        .prop_map(|(period, kind, adjust, cross, threshold)| {
            let mut c = json!({"period": period, "kind": kind, "adjust": adjust, "signal_threshold": threshold});
            if let Some((f, extra)) = cross {
                c["fast"] = json!(f);
                c["slow"] = json!(f + extra);
            }
            c
        })
}

fn value_strategy() -> impl proptest::strategy::Strategy<Value = f64> {
    prop_oneof![9 => 50.0f64..150.0, 1 => Just(f64::NAN)]
}

proptest! {
    /// Batch equals online: feeding points one at a time gives, at every row, the batch
    /// result's signal and average on that prefix.
    #[test]
    fn batch_equals_online(config in config_strategy(), xs in proptest::collection::vec(value_strategy(), 1..60)) {
        let s = strategy(config);
        let mut online = s.online(&schema("close")).unwrap().unwrap();
        let mut out = Vec::new();
        for i in 0..xs.len() {
            out.clear();
            online.update(RowRef { stream_id: "s", timestamp: None, values: &xs[i..=i] }, &mut out);
            let batch = s.execute(&Frame::from_values("close", xs[..=i].to_vec()));
            match (out.first(), batch) {
                (Some(Event::StrategyResult(e)), Ok(b)) => {
                    prop_assert_eq!(b.data["index"].as_u64(), Some(i as u64));
                    prop_assert_eq!(&e.signal, &b.signal);
                    prop_assert_eq!(&e.data["movingAverage"], &b.data["movingAverage"]);
                }
                (None, Ok(b)) => prop_assert!(b.data["index"].as_u64() != Some(i as u64)),
                (None, Err(_)) => {}
                (Some(e), Err(err)) => prop_assert!(false, "online emitted {:?} but batch failed: {}", e, err),
                (Some(e), Ok(_)) => prop_assert!(false, "unexpected event {:?}", e),
            }
        }
    }
}
