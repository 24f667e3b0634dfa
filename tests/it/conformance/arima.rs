//! ARIMA conformance against statsmodels 0.15.0 `ARIMA(y, order).fit()` (reference files in
//! `tests/data/conformance/arima/`, copied from the shared reference set; tolerances from
//! that folder's CONVENTIONS.md §8).
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use super::{arima_cases, arima_params as params, floats};
use stratos::strategies::arima::{Arima, DiffuseStart, FittedArima, Forecast};

/// Collects failures and the largest error seen relative to its tolerance.
#[derive(Default)]
struct Check {
    failures: Vec<String>,
    worst: f64,
    worst_at: String,
}

impl Check {
    /// `|got − expected| ≤ tol`; records the ratio error / tol.
    fn close(&mut self, case: &str, what: &str, got: f64, expected: f64, tol: f64) {
        let err = (got - expected).abs();
        let ratio = if tol > 0.0 { err / tol } else { f64::INFINITY };
        if ratio.is_finite() && ratio > self.worst {
            self.worst = ratio;
            self.worst_at = format!("{case}: {what}");
        }
        if err.is_nan() || err > tol {
            self.failures.push(format!(
                "{case}: {what}: got {got:.12e}, expected {expected:.12e} (|err| {err:.3e} > tol {tol:.3e})"
            ));
        }
    }

    fn rel(&mut self, case: &str, what: &str, got: f64, expected: f64, rtol: f64) {
        self.close(case, what, got, expected, rtol * expected.abs().max(1e-300));
    }

    fn series(&mut self, case: &str, what: &str, got: &[f64], expected: &[f64], rtol: f64) {
        if got.len() != expected.len() {
            self.failures.push(format!(
                "{case}: {what}: length {} vs {}",
                got.len(),
                expected.len()
            ));
            return;
        }
        for (i, (g, e)) in got.iter().zip(expected).enumerate() {
            self.rel(case, &format!("{what}[{i}]"), *g, *e, rtol);
        }
    }

    /// Mean and se within `rtol` relative; interval bounds within `rtol · (|mean| + z·se)`,
    /// the size of the two terms they are made of (a bound that crosses zero has no
    /// meaningful relative error of its own).
    fn forecast(
        &mut self,
        case: &str,
        what: &str,
        fc: &Forecast,
        fc80: &Forecast,
        e: &Value,
        rtol: f64,
    ) {
        let mean = floats(&e["mean"]);
        let se = floats(&e["se"]);
        self.series(case, &format!("{what}.mean"), &fc.mean, &mean, rtol);
        self.series(case, &format!("{what}.se"), &fc.se, &se, rtol);
        for (label, got, z) in [
            ("ci95", fc, 1.959963984540054),
            ("ci80", fc80, 1.2815515655446004),
        ] {
            for (side, values) in [("lower", &got.lower), ("upper", &got.upper)] {
                let expected = floats(&e[label][side]);
                if values.len() != expected.len() {
                    self.failures
                        .push(format!("{case}: {what}.{label}.{side}: length"));
                    continue;
                }
                for (h, (g, x)) in values.iter().zip(&expected).enumerate() {
                    let tol = rtol * (mean[h].abs() + z * se[h]);
                    self.close(case, &format!("{what}.{label}.{side}[{h}]"), *g, *x, tol);
                }
            }
        }
    }

    fn finish(self, test: &str) {
        eprintln!(
            "{test}: worst error / tolerance = {:.3} ({})",
            self.worst, self.worst_at
        );
        assert!(
            self.failures.is_empty(),
            "{} failure(s):\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// Residual statistics over t ≥ d, as the reference's `resid_stats`.
fn resid_stats(f: &FittedArima, y: &[f64], d: usize) -> Vec<(&'static str, f64)> {
    let r = &f.residuals()[d..];
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let sse: f64 = r.iter().map(|v| v * v).sum();
    let mae = r.iter().map(|v| v.abs()).sum::<f64>() / n;
    let var = r.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let _ = y;
    vec![
        ("sse", sse),
        ("rmse", f.rmse()),
        ("mae", mae),
        ("var_ddof0", var),
        ("mape_pct", f.mape()),
        ("mean", mean),
    ]
}

#[test]
fn arima_loglike_matches_statsmodels_at_every_check() {
    let mut check = Check::default();
    for c in arima_cases("arima") {
        let model = Arima::new(c.order);
        for (i, chk) in c.json["loglike_checks"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let p = params(c.order, &chk["params"]);
            let expected = chk["llf"].as_f64().unwrap();
            let got = model.loglike(&c.y, &p).unwrap();
            let tol = 1e-8 * expected.abs().max(1.0);
            if std::env::var("ARIMA_DEBUG").is_ok() {
                eprintln!(
                    "{} check {i}: err {:+.3e} (tol {tol:.1e})",
                    c.name,
                    got - expected
                );
            }
            check.close(&c.name, &format!("loglike_checks[{i}]"), got, expected, tol);
        }
        if let Some(diag) = c.json.get("d_gt_0_diagnostics") {
            let p = params(c.order, &c.json["fit"]["params"]);
            let expected = diag["exact_differenced_arma_llf_at_fit_params"]
                .as_f64()
                .unwrap();
            let got = model
                .clone()
                .with_start(DiffuseStart::ExactDifferenced)
                .loglike(&c.y, &p)
                .unwrap();
            check.close(
                &c.name,
                "exact differenced llf",
                got,
                expected,
                1e-8 * expected.abs().max(1.0),
            );
        }
    }
    check.finish("loglike");
}

#[test]
fn arima_fit_reaches_the_polished_statsmodels_optimum() {
    let mut check = Check::default();
    for c in arima_cases("arima") {
        let fitted = Arima::new(c.order).fit(&c.y).unwrap();
        let pol = &c.json["mle_polished"];
        let fit = &c.json["fit"];
        let name = c.name.as_str();
        let llf_pol = pol["llf"].as_f64().unwrap();
        let llf_fit = fit["llf"].as_f64().unwrap();
        eprintln!(
            "{name}: llf {:.10} (polished {llf_pol:.10}, diff {:+.2e}; statsmodels fit {llf_fit:.10}), iterations {}, converged {}, termination {}",
            fitted.llf(),
            fitted.llf() - llf_pol,
            fitted.iterations(),
            fitted.converged(),
            fitted.termination()
        );
        check.close(name, "llf vs mle_polished", fitted.llf(), llf_pol, 1e-5);
        if fitted.llf() < llf_fit - 1e-6 {
            check.failures.push(format!(
                "{name}: llf {} below statsmodels' fit llf {llf_fit}",
                fitted.llf()
            ));
        }
        if !fitted.converged() {
            check
                .failures
                .push(format!("{name}: not converged: {}", fitted.termination()));
        }
        // Parameters: 1e-3 relative, 1e-4 absolute below 0.1.
        let expected = params(c.order, &pol["params"]).to_vec();
        let names = fitted.params().names();
        for ((g, e), n) in fitted.params().to_vec().iter().zip(&expected).zip(&names) {
            let tol = if e.abs() < 0.1 { 1e-4 } else { 1e-3 * e.abs() };
            check.close(name, &format!("param {n}"), *g, *e, tol);
        }
        // Criteria: as the llf (2 · 1e-5 since each is −2 llf + constant).
        for (what, got) in [
            ("aic", fitted.aic()),
            ("bic", fitted.bic()),
            ("aicc", fitted.aicc()),
            ("hqic", fitted.hqic()),
        ] {
            check.close(name, what, got, pol[what].as_f64().unwrap(), 2e-5);
        }
        if fitted.k() as u64 != pol["df_model"].as_u64().unwrap() {
            check.failures.push(format!(
                "{name}: k {} vs df_model {}",
                fitted.k(),
                pol["df_model"]
            ));
        }
        if fitted.nobs_effective() as u64 != pol["nobs_effective"].as_u64().unwrap() {
            check.failures.push(format!(
                "{name}: nobs_effective {} vs {}",
                fitted.nobs_effective(),
                pol["nobs_effective"]
            ));
        }
        // Forecasts at our parameters vs the polished ones: 1e-4 relative. Where
        // statsmodels' own likelihood carries rounding noise far above its usual level
        // (interest R: its llf at the polished point is 2.4e-6 above the exact value, which
        // our filter reproduces to 1e-12 — checked against a 40-digit evaluation of
        // CONVENTIONS.md §2's closed form), the polished optimum is only defined within that
        // noise: sigma2 and the AR terms move by ~2e-4 relative inside it, so 5e-4 there.
        let exact_at_pol = Arima::new(c.order)
            .loglike(&c.y, &params(c.order, &pol["params"]))
            .unwrap();
        let noise = (exact_at_pol - llf_pol).abs();
        let rtol = if noise > 1e-7 { 5e-4 } else { 1e-4 };
        eprintln!(
            "{name}: statsmodels rounding noise at the polished point {noise:.2e}, forecast rtol {rtol:.0e}"
        );
        let fc = fitted.forecast(10, 0.05).unwrap();
        let fc80 = fitted.forecast(10, 0.2).unwrap();
        check.forecast(name, "forecast", &fc, &fc80, &pol["forecast"], rtol);
        // In-sample predictions and residual statistics vs statsmodels' fit (1e-4), except
        // where statsmodels' own fit stopped short of the optimum by more than its tolerance
        // (CONVENTIONS.md §7: interest R, nile (1,0,0)): there vs the polished fit.
        let gap = pol["max_rel_param_diff_vs_fit"].as_f64().unwrap();
        let reference = if gap > 1e-3 { pol } else { fit };
        let d = c.order.d;
        let first20 = floats(&reference["predict_first20"]["values"]);
        let got20: Vec<f64> = fitted.fitted_values()[d..d + first20.len()].to_vec();
        check.series(name, "predict_first20", &got20, &first20, 1e-4);
        let stats = &reference["resid_stats"];
        let rmse = stats["rmse"].as_f64().unwrap();
        for (what, got) in resid_stats(&fitted, &c.y, d) {
            let e = stats[what].as_f64().unwrap();
            if what == "mean" {
                // A mean near zero: 1e-4 relative to the residual scale.
                check.close(name, "resid mean", got, e, 1e-4 * rmse);
            } else {
                check.rel(name, &format!("resid {what}"), got, e, 1e-4);
            }
        }
    }
    check.finish("fit");
}

#[test]
fn arima_filter_at_polished_params_reproduces_statsmodels() {
    let mut check = Check::default();
    for c in arima_cases("arima") {
        let pol = &c.json["mle_polished"];
        let p = params(c.order, &pol["params"]);
        let f = Arima::new(c.order).filter(&c.y, &p).unwrap();
        let name = c.name.as_str();
        check.close(
            name,
            "llf at polished params",
            f.llf(),
            pol["llf"].as_f64().unwrap(),
            1e-8 * pol["llf"].as_f64().unwrap().abs().max(1.0),
        );
        let fc = f.forecast(10, 0.05).unwrap();
        let fc80 = f.forecast(10, 0.2).unwrap();
        check.forecast(
            name,
            "forecast at polished params",
            &fc,
            &fc80,
            &pol["forecast"],
            1e-6,
        );
        let first20 = floats(&pol["predict_first20"]["values"]);
        let d = c.order.d;
        check.series(
            name,
            "predict_first20 at polished params",
            &f.fitted_values()[d..d + first20.len()],
            &first20,
            1e-6,
        );
        // All fitted values and residuals at statsmodels' own fit parameters.
        let fp = params(c.order, &c.json["fit"]["params"]);
        let ff = Arima::new(c.order).filter(&c.y, &fp).unwrap();
        let fitted_all = floats(&c.json["fit"]["fitted_all"]);
        let resid_all = floats(&c.json["fit"]["resid_all"]);
        let scale = ff.rmse();
        for (t, (g, e)) in ff.fitted_values().iter().zip(&fitted_all).enumerate() {
            check.close(
                name,
                &format!("fitted_all[{t}]"),
                *g,
                *e,
                1e-6 * e.abs().max(scale),
            );
        }
        for (t, (g, e)) in ff.residuals().iter().zip(&resid_all).enumerate() {
            check.close(
                name,
                &format!("resid_all[{t}]"),
                *g,
                *e,
                // statsmodels carries the 1e6-variance integration states through the whole
                // filter; their rounding (≈ 1e6 · ε in variance) moves its residuals by up
                // to ~2e-7 relative (co2, interest R). Our filter drops those states after d
                // steps, where they are exactly known.
                1e-6 * e.abs().max(scale),
            );
        }
    }
    check.finish("filter");
}
