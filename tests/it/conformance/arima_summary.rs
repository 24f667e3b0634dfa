//! The ARIMA summary against statsmodels 0.15 (`tests/data/conformance/arima_summary/`, made
//! by that folder's `make_summary.py`): at statsmodels' fitted parameters, the OPG standard
//! errors, z, P>|z|, the 95 % intervals, Ljung-Box (lag 1), Jarque-Bera (with skew and
//! kurtosis) and the heteroskedasticity test with their p-values, to 1e-4 relative.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{case_paths, floats, load};
use stratos::strategies::arima::{Arima, ArimaOrder, ArimaParams};

const RTOL: f64 = 1e-4;

fn check(case: &str, what: &str, got: f64, want: f64, worst: &mut f64) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    // p-values that are 0 in double precision on both sides.
    let err = if got.abs() < 1e-300 && want.abs() < 1e-300 {
        0.0
    } else {
        err
    };
    *worst = worst.max(err);
    assert!(
        err <= RTOL,
        "{case} {what}: got {got}, statsmodels {want} (rel {err:.2e})"
    );
}

#[test]
fn summary_matches_statsmodels() {
    let mut checked = 0;
    let mut worst = 0.0_f64;
    for path in case_paths("arima_summary", &[]) {
        let j = load(&path);
        let case = j["case"].as_str().unwrap();
        let y = floats(&j["input"]["y"]);
        if y.iter().any(|v| !v.is_finite()) {
            continue; // missing values: not supported by the fit
        }
        let o = floats(&j["order"]);
        let order = ArimaOrder::new(o[0] as usize, o[1] as usize, o[2] as usize);
        let theta = floats(&j["params"]);
        let c0 = usize::from(order.has_constant());
        let params = ArimaParams {
            constant: order.has_constant().then(|| theta[0]),
            ar: theta[c0..c0 + order.p].to_vec(),
            ma: theta[c0 + order.p..c0 + order.p + order.q].to_vec(),
            seasonal_ar: vec![],
            seasonal_ma: vec![],
            sigma2: theta[theta.len() - 1],
        };
        let s = Arima::new(order)
            .filter(&y, &params)
            .unwrap()
            .summary(&y)
            .unwrap();
        assert_eq!(s.cov_type, j["cov_type"].as_str().unwrap());
        let names: Vec<&str> = s.params.iter().map(|r| r.name.as_str()).collect();
        let want_names: Vec<&str> = j["param_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names, want_names, "{case}");
        let (bse, z, pv) = (
            floats(&j["bse"]),
            floats(&j["zvalues"]),
            floats(&j["pvalues"]),
        );
        for (i, r) in s.params.iter().enumerate() {
            check(
                case,
                &format!("{} se", r.name),
                r.std_err,
                bse[i],
                &mut worst,
            );
            check(case, &format!("{} z", r.name), r.z, z[i], &mut worst);
            check(case, &format!("{} p", r.name), r.p_value, pv[i], &mut worst);
            let ci = floats(&j["conf_int"][i]);
            check(
                case,
                &format!("{} ci lo", r.name),
                r.ci_lower,
                ci[0],
                &mut worst,
            );
            check(
                case,
                &format!("{} ci hi", r.name),
                r.ci_upper,
                ci[1],
                &mut worst,
            );
        }
        let lb = floats(&j["ljung_box"]);
        check(case, "Q", s.ljung_box.statistic, lb[0], &mut worst);
        check(case, "Prob(Q)", s.ljung_box.p_value, lb[1], &mut worst);
        let jb = floats(&j["jarque_bera"]);
        check(case, "JB", s.jarque_bera.statistic, jb[0], &mut worst);
        check(case, "Prob(JB)", s.jarque_bera.p_value, jb[1], &mut worst);
        check(case, "skew", s.skew, jb[2], &mut worst);
        check(case, "kurtosis", s.kurtosis, jb[3], &mut worst);
        let h = floats(&j["heteroskedasticity"]);
        check(case, "H", s.heteroskedasticity.statistic, h[0], &mut worst);
        check(
            case,
            "Prob(H)",
            s.heteroskedasticity.p_value,
            h[1],
            &mut worst,
        );
        // The table carries the order.
        assert!(s.to_string().contains(&format!("ARIMA{order}")));
        checked += 1;
    }
    println!("{checked} summaries; worst relative deviation {worst:.2e}");
    assert!(checked >= 5, "only {checked} cases checked");
}
