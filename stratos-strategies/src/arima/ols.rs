//! statsmodels' `OLS` log-likelihood and information criteria, for the unit-root tests'
//! regressions (fitted by the workspace's one least-squares solver,
//! [`stratos_core::numeric::Qr`]):
//!
//! ```text
//! llf = −n/2 · ln(2π) − n/2 · ln(ssr / n) − n/2            (statsmodels OLS.loglike)
//! aic = −2 llf + 2k                bic = −2 llf + ln(n) · k  (RegressionResults.info_criteria)
//! ```

/// Gaussian log-likelihood at the profile variance, statsmodels `OLS.loglike`:
/// `−n/2 · ln(2π) − n/2 · ln(ssr/n) − n/2`.
pub(crate) fn llf(ssr: f64, nobs: usize) -> f64 {
    let n = nobs as f64;
    let nobs2 = n / 2.0;
    -nobs2 * (2.0 * std::f64::consts::PI).ln() - nobs2 * (ssr / n).ln() - nobs2
}

/// The same log-likelihood from `ln(ssr)` given directly (for sums of squares beyond the
/// range of `f64`).
pub(crate) fn llf_from_ln_ssr(ln_ssr: f64, nobs: usize) -> f64 {
    let n = nobs as f64;
    let nobs2 = n / 2.0;
    -nobs2 * (2.0 * std::f64::consts::PI).ln() - nobs2 * (ln_ssr - n.ln()) - nobs2
}

/// Akaike's criterion with `k` parameters, statsmodels `info_criteria("aic")`.
pub(crate) fn aic(llf: f64, k: usize) -> f64 {
    -2.0 * llf + 2.0 * k as f64
}

/// Schwarz's criterion with `k` parameters, statsmodels `info_criteria("bic")`.
pub(crate) fn bic(llf: f64, nobs: usize, k: usize) -> f64 {
    -2.0 * llf + (nobs as f64).ln() * k as f64
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};
    use stratos_core::numeric::{OlsFit, Qr, QrError};

    use super::*;

    fn ols(a: Vec<f64>, m: usize, k: usize, y: Vec<f64>) -> Result<OlsFit, QrError> {
        let x = Array2::from_shape_vec((m, k).f(), a).unwrap();
        Ok(Qr::factor(x, (&y).into())?.fit())
    }

    fn assert_close(got: f64, want: f64, rtol: f64) {
        assert!(
            (got - want).abs() <= rtol * want.abs().max(1e-300),
            "got {got}, expected {want}"
        );
    }

    /// The hand-computed regression of `numeric::qr`'s tests: ssr = 2.7 over 4 rows.
    #[test]
    fn criteria_match_statsmodels_formulas() {
        let a = vec![1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0];
        let fit = ols(a, 4, 2, vec![1.0, 3.0, 2.0, 5.0]).unwrap();
        assert_close(fit.ssr, 2.7, 1e-14);
        // llf = −2 ln(2π) − 2 ln(2.7/4) − 2
        let l = llf(fit.ssr, 4);
        assert_close(
            l,
            -2.0 * (2.0 * std::f64::consts::PI).ln() - 2.0 * (0.675f64).ln() - 2.0,
            1e-14,
        );
        assert_close(aic(l, 2), -2.0 * l + 4.0, 1e-14);
        assert_close(bic(l, 4, 2), -2.0 * l + 4f64.ln() * 2.0, 1e-14);
        assert_close(llf_from_ln_ssr(fit.ssr.ln(), 4), l, 1e-14);
    }
}
