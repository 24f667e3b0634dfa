//! `stratos stationarity` against statsmodels 0.15's `adfuller` / `kpss` on
//! examples/data/ohlcv_daily.csv (reference made by
//! `tests/data/stationarity/make_reference.py`): every field to 1e-8 relative.

use std::path::PathBuf;

use serde_json::Value;

use crate::common::{json, stratos};

fn close(got: &Value, want: &Value, what: &str) {
    match (got.as_f64(), want.as_f64()) {
        (Some(g), Some(w)) => {
            let err = (g - w).abs() / w.abs().max(1e-12);
            assert!(err <= 1e-8, "{what}: got {g}, statsmodels {w}");
        }
        _ => assert_eq!(got, want, "{what}"),
    }
}

#[test]
fn stationarity_matches_statsmodels() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/data/stationarity/reference.json")).unwrap(),
    )
    .unwrap();
    let data = root.join("../examples/data/ohlcv_daily.csv");
    let data = data.to_str().unwrap();
    for case in reference["cases"].as_array().unwrap() {
        let mut args = vec!["stationarity", data, "--format", "json"];
        let extra: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        args.extend(&extra);
        let got = json(&args);
        let want = &case["expected"];
        let what = extra.join(" ");
        for key in ["statistic", "pvalue", "usedlag", "lags", "nobs", "icbest"] {
            if want.get(key).is_some() {
                close(&got[key], &want[key], &format!("{what}: {key}"));
            }
        }
        for (level, v) in want["critical_values"].as_object().unwrap() {
            close(
                &got["critical_values"][level],
                v,
                &format!("{what}: critical {level}"),
            );
        }
    }
}

#[test]
fn kpss_rejects_adf_only_options() {
    let o = stratos(&[
        "stationarity",
        "../examples/data/ohlcv_daily.csv",
        "--test",
        "kpss",
        "--regression",
        "ctt",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
