//! Conformance against the reference answers in `tests/data/conformance/`, copied from the
//! shared reference set (pandas 3.1.1 / numpy 2.4.6 on Python 3.11.7; see each file's
//! `produced_by`, `call` and `notes`).
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use super::{assert_close, case, floats};
use stratos::core::{BuiltinStrategy, Frame, OutputValues, StrategyConfig};
use stratos::prelude::*;
use stratos::strategies::anomaly::{AnomalyConfig, AnomalyStrategy};
use stratos::strategies::moving_average::{MaKind, MovingAverage};

fn windows(params: &Value, key: &str) -> Vec<usize> {
    params[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn moving_averages_match_pandas() {
    for name in ["ma_goog_close", "ma_nile_with_nans"] {
        let c = case(&format!("moving_average/{name}.json"));
        let y = floats(&c["input"]["y"]);
        let p = &c["params_in"];
        let exp = &c["expected"];
        let mut checked = 0;
        for w in windows(p, "sma_windows") {
            let got = MovingAverage::compute(MaKind::Sma, w, false, &y);
            assert_close(
                name,
                &format!("sma_{w}"),
                &got,
                &floats(&exp[format!("sma_{w}")]),
                1e-9,
            );
            checked += 1;
        }
        for s in windows(p, "ema_spans") {
            for adjust in [false, true] {
                let got = MovingAverage::compute(MaKind::Ema, s, adjust, &y);
                let key = format!("ema_adjust_{adjust}_span_{s}");
                assert_close(name, &key, &got, &floats(&exp[&key]), 1e-9);
                checked += 1;
            }
        }
        for w in windows(p, "wma_windows") {
            let got = MovingAverage::compute(MaKind::Wma, w, false, &y);
            assert_close(
                name,
                &format!("wma_{w}"),
                &got,
                &floats(&exp[format!("wma_{w}")]),
                1e-9,
            );
            checked += 1;
        }
        assert!(checked >= 5, "{name}: only {checked} series checked");
    }
}

#[test]
fn moving_average_strategy_outputs_match_pandas() {
    let c = case("moving_average/ma_goog_close.json");
    let y = floats(&c["input"]["y"]);
    let frame = Frame::from_values("close", y);
    let registry = stratos::registry();
    for (config, key, column) in [
        (serde_json::json!({"period": 20}), "sma_20", "sma"),
        (
            serde_json::json!({"period": 12, "kind": "ema"}),
            "ema_adjust_false_span_12",
            "ema",
        ),
        (
            serde_json::json!({"period": 12, "kind": "ema", "adjust": true}),
            "ema_adjust_true_span_12",
            "ema",
        ),
        (
            serde_json::json!({"period": 20, "kind": "wma"}),
            "wma_20",
            "wma",
        ),
    ] {
        let result = registry
            .build("moving_average", config)
            .unwrap()
            .execute(&frame)
            .unwrap();
        let Some(OutputValues::Number(got)) = result.outputs.get(column) else {
            panic!("no {column} output")
        };
        assert_close(
            "ma_goog_close",
            key,
            got,
            &floats(&c["expected"][key]),
            1e-9,
        );
    }
}

#[test]
fn rolling_zscore_matches_numpy_for_both_ddof() {
    let name = "zscore_synthetic_sine_w50_k3";
    let c = case(&format!("zscore/{name}.json"));
    let y = floats(&c["input"]["y"]);
    let w = c["params_in"]["window"].as_u64().unwrap() as usize;
    let k = c["params_in"]["threshold"].as_f64().unwrap();
    let frame = Frame::from_values("value", y);
    for ddof in [1usize, 0] {
        let config = AnomalyConfig::from_json(
            serde_json::json!({"window_size": w, "threshold": k, "ddof": ddof}),
        )
        .unwrap();
        let result = AnomalyStrategy::from_config(config)
            .unwrap()
            .execute(&frame)
            .unwrap();
        let Some(OutputValues::Number(z)) = result.outputs.get("zscore") else {
            panic!("no zscore output")
        };
        assert_close(
            name,
            &format!("z_ddof{ddof}"),
            z,
            &floats(&c["expected"][format!("z_ddof{ddof}")]),
            1e-9,
        );
        let Some(OutputValues::Flag(flags)) = result.outputs.get("is_anomaly") else {
            panic!("no flags")
        };
        let got: Vec<u64> = flags
            .iter()
            .enumerate()
            .filter(|(_, f)| **f)
            .map(|(i, _)| i as u64)
            .collect();
        let want: Vec<u64> = c["expected"][format!("flagged_ddof{ddof}")]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(got, want, "{name}: flagged indices with ddof {ddof}");
        assert_eq!(result.data["anomalousRows"], want.len());
    }
}

#[test]
fn rolling_zscore_flags_survive_a_1e9_offset() {
    let c = case("zscore/zscore_synthetic_sine_w50_k3.json");
    let y: Vec<f64> = floats(&c["input"]["y"])
        .into_iter()
        .map(|v| v + 1e9)
        .collect();
    let result = stratos::registry()
        .build(
            "anomaly_detection",
            serde_json::json!({"window_size": 50, "threshold": 3.0}),
        )
        .unwrap()
        .execute(&Frame::from_values("value", y))
        .unwrap();
    let Some(OutputValues::Flag(flags)) = result.outputs.get("is_anomaly") else {
        panic!("no flags")
    };
    let got: Vec<u64> = flags
        .iter()
        .enumerate()
        .filter(|(_, f)| **f)
        .map(|(i, _)| i as u64)
        .collect();
    let want: Vec<u64> = c["expected"]["flagged_ddof1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn request_shape_builds_every_builtin() {
    let registry = stratos::registry();
    for id in ["moving_average", "anomaly_detection"] {
        let req: StrategyRequest =
            serde_json::from_value(serde_json::json!({"strategy_id": id})).unwrap();
        assert_eq!(registry.build_request(&req).unwrap().id(), id);
    }
}
