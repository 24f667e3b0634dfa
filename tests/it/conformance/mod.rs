//! Conformance against reference implementations: pandas and numpy (`strategies`, `sma`),
//! statsmodels (`arima`, `adf`, `order_search`) and backtesting.py (`backtest`). Every case is a
//! JSON file under `tests/data/conformance/<area>/`, read by the one loader below.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adf;
mod arima;
mod arima_summary;
mod backtest;
mod order_search;
mod sarima;
mod sma;
mod strategies;

use std::path::{Path, PathBuf};

use serde_json::Value;
use stratos::strategies::arima::{ArimaOrder, ArimaParams};

/// `tests/data/conformance/<area>`.
pub(crate) fn dir(area: &str) -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "tests/data/conformance", area]
        .iter()
        .collect()
}

/// One JSON file, parsed; panics naming the file when it is missing or malformed.
pub(crate) fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `tests/data/conformance/<relative path>`, parsed.
pub(crate) fn case(relative: &str) -> Value {
    load(&dir(relative))
}

/// The JSON case files of `area`, sorted by name, except those named in `skip`; at least one.
pub(crate) fn case_paths(area: &str, skip: &[&str]) -> Vec<PathBuf> {
    let dir = dir(area);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !skip.iter().any(|s| p.file_name().unwrap() == *s))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no cases in {}", dir.display());
    paths
}

/// [`case_paths`], each with its file stem and parsed content.
pub(crate) fn cases(area: &str, skip: &[&str]) -> Vec<(String, Value)> {
    case_paths(area, skip)
        .into_iter()
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                load(&p),
            )
        })
        .collect()
}

/// A JSON array of numbers; `null` (NaN, NaT in the reference) becomes NaN.
pub(crate) fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, found {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// Every value within `rtol` relative (atol 1e-12 near zero), NaN exactly where expected.
pub(crate) fn assert_close(case: &str, what: &str, got: &[f64], want: &[f64], rtol: f64) {
    assert_eq!(got.len(), want.len(), "{case} {what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if w.is_nan() || g.is_nan() {
            assert!(
                w.is_nan() && g.is_nan(),
                "{case} {what}[{i}]: got {g}, expected {w}"
            );
        } else {
            let tol = rtol * w.abs() + 1e-12;
            assert!(
                (g - w).abs() <= tol,
                "{case} {what}[{i}]: got {g}, expected {w} (diff {})",
                (g - w).abs()
            );
        }
    }
}

/// An ARIMA or seasonal ARIMA case (`arima/`, `sarima/`): the series, the order (with the
/// file's `seasonal_order` when it has one) and the whole JSON.
pub(crate) struct ArimaCase {
    pub(crate) name: String,
    pub(crate) y: Vec<f64>,
    pub(crate) order: ArimaOrder,
    pub(crate) json: Value,
}

/// The cases of `area` as [`ArimaCase`]s.
pub(crate) fn arima_cases(area: &str) -> Vec<ArimaCase> {
    cases(area, &[])
        .into_iter()
        .map(|(_, json)| {
            let o = floats(&json["params_in"]["order"]);
            let mut order = ArimaOrder::new(o[0] as usize, o[1] as usize, o[2] as usize);
            if let Some(s) = json["params_in"].get("seasonal_order") {
                let s = floats(s);
                order =
                    order.with_seasonal(s[0] as usize, s[1] as usize, s[2] as usize, s[3] as usize);
            }
            ArimaCase {
                name: json["case"].as_str().unwrap().to_owned(),
                y: floats(&json["input"]["y"]),
                order,
                json,
            }
        })
        .collect()
}

/// statsmodels' named parameters (`const`, `ar.L1`…, `ma.L1`…, `ar.S.L12`…, `ma.S.L12`…,
/// `sigma2`) as [`ArimaParams`] for `order`.
pub(crate) fn arima_params(order: ArimaOrder, v: &Value) -> ArimaParams {
    let get = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("missing {k}"));
    let s = order.seasonal.s;
    ArimaParams {
        constant: order.has_constant().then(|| get("const")),
        ar: (1..=order.p).map(|i| get(&format!("ar.L{i}"))).collect(),
        ma: (1..=order.q).map(|i| get(&format!("ma.L{i}"))).collect(),
        seasonal_ar: (1..=order.seasonal.p)
            .map(|i| get(&format!("ar.S.L{}", i * s)))
            .collect(),
        seasonal_ma: (1..=order.seasonal.q)
            .map(|i| get(&format!("ma.S.L{}", i * s)))
            .collect(),
        sigma2: get("sigma2"),
    }
}
