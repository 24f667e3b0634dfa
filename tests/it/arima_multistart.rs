//! The multi-start ARIMA fit against statsmodels 0.15 on 300 generated series (random walks,
//! near-unit-root ARMA, over-parameterised orders; `tests/data/arima_multistart/`, made by
//! that folder's `make_cases.py`): our log-likelihood is never below statsmodels' by more
//! than 1e-6, and `converged` is the gradient test at the returned point.
//!
//! Status: all 300 pass (gain min −3.8e-9, median 3.9e-7, p95 2.17, max 5.91; higher by
//! more than 1e-6 in 128; `over_036` and `over_048` not converged). `over_027` (ARIMA(2,1,3) on an
//! over-differenced MA(1)) ends 0.35 below statsmodels from all four starts and reaches
//! statsmodels' boundary ridge (+0.0023) only through the boundary push after them
//! (`stratos-strategies/src/arima/likelihood/optimize.rs`, `boundary_pushes`).
//!
//! Ignored by default (300 fits, about a second in release): run with
//! `cargo test --release --test it arima_multistart -- --ignored --nocapture`; it writes the
//! per-series gains to `$CARGO_TARGET_TMPDIR/arima_multistart_gains.json` for
//! `make_cases.py report`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::{Value, json};
use stratos::strategies::arima::{Arima, ArimaOrder};

#[test]
#[ignore = "300 fits: run with --ignored (release) for the statsmodels comparison"]
fn arima_multistart_vs_statsmodels() {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests/data/arima_multistart/cases.json",
    ]
    .iter()
    .collect();
    let data: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let mut gains = Vec::new();
    let mut worse = Vec::new();
    let mut not_converged = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let o: Vec<usize> = case["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let y: Vec<f64> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let fitted = Arima::new(ArimaOrder::new(o[0], o[1], o[2]))
            .fit(&y)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let sm = case["statsmodels"]["llf"].as_f64().unwrap();
        let gain = fitted.llf() - sm;
        if gain < -1e-6 {
            worse.push(format!(
                "{name} {o:?}: ours {} statsmodels {sm}",
                fitted.llf()
            ));
        }
        if !fitted.converged() {
            not_converged.push(name.to_owned());
        }
        gains.push(json!({"name": name, "gain": gain, "converged": fitted.converged()}));
    }
    let out: PathBuf = [env!("CARGO_TARGET_TMPDIR"), "arima_multistart_gains.json"]
        .iter()
        .collect();
    std::fs::write(&out, serde_json::to_string(&gains).unwrap()).unwrap();
    let mut g: Vec<f64> = gains.iter().map(|v| v["gain"].as_f64().unwrap()).collect();
    g.sort_by(f64::total_cmp);
    let q = |p: f64| g[((g.len() - 1) as f64 * p).round() as usize];
    println!(
        "{} series: gain min {:.3e}, median {:.3e}, p95 {:.3e}, max {:.4}; higher by > 1e-6 in {}; \
         not converged: {:?}; gains in {}",
        g.len(),
        q(0.0),
        q(0.5),
        q(0.95),
        q(1.0),
        g.iter().filter(|v| **v > 1e-6).count(),
        not_converged,
        out.display()
    );
    assert!(worse.is_empty(), "below statsmodels: {worse:#?}");
}
