//! Seasonal ARIMA conformance against statsmodels 0.15.0 `ARIMA(y, order, seasonal_order)`
//! (reference files and their generator, `make_sarima.py`, in
//! `tests/data/conformance/sarima/`): the log-likelihood at statsmodels' parameters to 1e-8
//! (relative), our fit's llf at least statsmodels' (− 1e-6), forecasts with intervals at
//! statsmodels' parameters to 1e-6, OPG standard errors to 1e-4 (relative).
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use super::{arima_cases, arima_params as params, floats};
use stratos::strategies::arima::Arima;

fn rel_err(got: f64, expected: f64) -> f64 {
    (got - expected).abs() / expected.abs().max(1.0)
}

#[test]
fn sarima_llf_at_statsmodels_params_and_forecasts() {
    let mut failures = Vec::new();
    for c in arima_cases("sarima") {
        let e = &c.json["expected"];
        let p = params(c.order, &e["params"]);
        let model = Arima::try_new(c.order).unwrap();
        let llf = model.loglike(&c.y, &p).unwrap();
        let want = e["llf"].as_f64().unwrap();
        let err = rel_err(llf, want);
        eprintln!("{}: llf {llf:.12} vs {want:.12} (rel {err:.2e})", c.name);
        if err > 1e-8 {
            failures.push(format!("{}: llf {llf} vs {want} (rel {err:.2e})", c.name));
        }
        let fitted = model.filter(&c.y, &p).unwrap();
        assert_eq!(
            fitted.nobs_effective() as u64,
            e["nobs_effective"].as_u64().unwrap(),
            "{}",
            c.name
        );
        let f = &e["forecast"];
        let steps = f["steps"].as_u64().unwrap() as usize;
        let fc = fitted
            .forecast(steps, f["alpha"].as_f64().unwrap())
            .unwrap();
        let mean = floats(&f["mean"]);
        let se = floats(&f["se"]);
        let mut worst = 0.0_f64;
        for (what, got, want) in [
            ("mean", &fc.mean, &mean),
            ("se", &fc.se, &se),
            ("lower", &fc.lower, &floats(&f["lower"])),
            ("upper", &fc.upper, &floats(&f["upper"])),
        ] {
            assert_eq!(got.len(), want.len());
            for (h, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                // Bounds relative to the size of the terms they are made of.
                let scale = mean[h].abs() + 1.96 * se[h];
                let err = (g - w).abs() / scale.max(1e-300);
                worst = worst.max(err);
                if err.is_nan() || err > 1e-6 {
                    failures.push(format!("{}: {what}[{h}] {g} vs {w}", c.name));
                }
            }
        }
        eprintln!("{}: forecast worst rel err {worst:.2e}", c.name);
        // OPG standard errors at statsmodels' parameters (statsmodels: complex-step scores).
        let summary = fitted.summary(&c.y).unwrap();
        for row in &summary.params {
            let want = e["bse_opg"][&row.name].as_f64().unwrap();
            let err = (row.std_err - want).abs() / want.abs();
            if err.is_nan() || err > 1e-4 {
                failures.push(format!(
                    "{}: bse {} {} vs {want} (rel {err:.2e})",
                    c.name, row.name, row.std_err
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sarima_fit_reaches_statsmodels_llf() {
    let mut failures = Vec::new();
    for c in arima_cases("sarima") {
        let e = &c.json["expected"];
        let fitted = Arima::try_new(c.order).unwrap().fit(&c.y).unwrap();
        let want = e["llf"].as_f64().unwrap();
        let gain = fitted.llf() - want;
        eprintln!(
            "{}: fitted llf {:.9} vs statsmodels {want:.9} (gain {gain:+.3e}, converged {})",
            c.name,
            fitted.llf(),
            fitted.converged()
        );
        if gain.is_nan() || gain < -1e-6 {
            failures.push(format!("{}: gain {gain:e}", c.name));
        }
        assert_eq!(
            fitted.order().param_names(),
            e["param_names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
            "{}",
            c.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
