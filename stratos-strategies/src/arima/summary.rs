//! statsmodels' `ARIMAResults.summary()`: standard errors from the outer product of the
//! per-observation scores (`cov_type='opg'`, statsmodels' default), z statistics, two-sided
//! normal p-values, 95 % confidence intervals, and the residual diagnostics under the table
//! (Ljung-Box at lag 1, Jarque-Bera with skew and kurtosis, the two-sided
//! heteroskedasticity test).
//!
//! ```text
//! ℓ_t(θ)   = −½ (ln 2π + ln F_t + v_t² / F_t),  t ≥ d  (the burned first d terms are 0)
//! g_t      = ∂ℓ_t / ∂θ   in statsmodels' parameters (const, ar, ma, sigma2), exact (dual numbers;
//!            statsmodels uses a complex step)
//! cov      = (Σ_t g_t g_tᵀ)⁻¹,  se = √diag(cov),  z = θ / se,  P>|z| = 2 Φ(−|z|)   (Φ: stratos_core::numeric::normal_cdf, scipy's ndtr)
//! CI       = θ ∓ Φ⁻¹(0.975) · se
//! e_t      = v_t / √F_t for t ≥ d (standardised forecast errors, m of them)
//! Q        = m (m + 2) r₁² / (m − 1),   r₁ the lag-1 autocorrelation of e;  p = χ²₁ sf
//! JB       = m/6 · (S² + (K − 3)²/4),  S, K the (biased) skewness and kurtosis;  p = χ²₂ sf
//! H        = Σ e² over the last h / Σ e² over the first h,  h = round(m / 3) (half to even);
//!            p = 2 · min(F_{h,h}.cdf(H), F_{h,h}.sf(H))
//! ```

use std::fmt;

use ndarray::{Array2, ArrayView1};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};
use stratos_core::numeric::{contiguous, normal_sf};

use super::error::ArimaError;
use super::kalman::{self, ArmaSs, Data, Recorder};
use super::likelihood;
use super::model::{FittedArima, expand};
use crate::linalg::{Dual, Real, solve_in_place};

/// NaN written as JSON `null` and read back from it (a diagnostic that is not defined, e.g.
/// the heteroskedasticity test on two residuals).
mod nan_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// `Φ⁻¹(0.975)`.
const Z_975: f64 = 1.959_963_984_540_054;

/// One row of the coefficient table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamRow {
    /// statsmodels' name (`const`, `ar.L1`, `ma.L1`, `sigma2`).
    pub name: String,
    /// The estimate.
    #[serde(with = "nan_null")]
    pub coef: f64,
    /// Its standard error (OPG).
    #[serde(with = "nan_null")]
    pub std_err: f64,
    /// `coef / std_err`.
    #[serde(with = "nan_null")]
    pub z: f64,
    /// Two-sided normal p-value of `z`.
    #[serde(with = "nan_null")]
    pub p_value: f64,
    /// Lower bound of the 95 % confidence interval.
    #[serde(with = "nan_null")]
    pub ci_lower: f64,
    /// Upper bound of the 95 % confidence interval.
    #[serde(with = "nan_null")]
    pub ci_upper: f64,
}

/// A test statistic with its p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TestStat {
    /// The statistic.
    #[serde(with = "nan_null")]
    pub statistic: f64,
    /// Its p-value.
    #[serde(with = "nan_null")]
    pub p_value: f64,
}

/// Everything statsmodels' `summary()` prints for an ARIMA fit, with the numbers unrounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArimaSummary {
    /// The model, e.g. `ARIMA(2, 1, 2)`.
    pub model: String,
    /// Number of observations.
    pub nobs: usize,
    /// Log-likelihood.
    #[serde(with = "nan_null")]
    pub llf: f64,
    /// Akaike information criterion.
    #[serde(with = "nan_null")]
    pub aic: f64,
    /// Bayesian information criterion.
    #[serde(with = "nan_null")]
    pub bic: f64,
    /// Hannan–Quinn information criterion.
    #[serde(with = "nan_null")]
    pub hqic: f64,
    /// How the covariance was computed (`opg`).
    pub cov_type: String,
    /// The coefficient table.
    pub params: Vec<ParamRow>,
    /// Ljung-Box Q at lag 1 on the standardised residuals.
    pub ljung_box: TestStat,
    /// Jarque-Bera normality test on the standardised residuals.
    pub jarque_bera: TestStat,
    /// Skewness of the standardised residuals.
    #[serde(with = "nan_null")]
    pub skew: f64,
    /// Kurtosis (not excess) of the standardised residuals.
    #[serde(with = "nan_null")]
    pub kurtosis: f64,
    /// Two-sided heteroskedasticity (break in variance) test.
    pub heteroskedasticity: TestStat,
    /// Whether the optimizer's gradient test passed.
    pub converged: bool,
}

/// Keeps the per-observation score rows (t ≥ d) for one chunk of `N` parameters.
struct Scores<const N: usize> {
    d: usize,
    rows: Vec<[f64; N]>,
}

impl<const N: usize> Recorder<Dual<N>> for Scores<N> {
    fn record(&mut self, t: usize, v: Dual<N>, f: Dual<N>) {
        if t < self.d {
            return;
        }
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let l = (f.ln() + v * v * f.recip() + ln2pi) * -0.5;
        self.rows.push(l.d);
    }
}

/// Keeps `v_t / √F_t` for t ≥ d.
struct Standardized {
    d: usize,
    e: Vec<f64>,
}

impl Recorder<f64> for Standardized {
    fn record(&mut self, t: usize, v: f64, f: f64) {
        if t >= self.d {
            self.e.push(v / f.sqrt());
        }
    }
}

impl FittedArima {
    /// statsmodels' `summary()` numbers for this fit on `y` (the series it was fitted to):
    /// the coefficient table with OPG standard errors and the residual diagnostics (see the
    /// module docs).
    ///
    /// # Errors
    /// [`ArimaError::InvalidParams`] (field `y`) when `y` is not the fitted series' length;
    /// [`ArimaError::Numerical`] when the outer product of the scores is singular.
    pub fn summary<'a>(
        &self,
        y: impl Into<ArrayView1<'a, f64>>,
    ) -> Result<ArimaSummary, ArimaError> {
        let y = contiguous(y.into());
        let cov = self.opg_covariance(&y)?;
        let theta = self.params.to_vec();
        let se: Vec<f64> = cov.diag().iter().map(|v| v.sqrt()).collect();
        let w = self.order.integration().difference(&y);
        let data = self.kalman_data(&y, &w);
        let params = self
            .order
            .param_names()
            .into_iter()
            .zip(theta.iter().zip(&se))
            .map(|(name, (&coef, &std_err))| {
                let z = coef / std_err;
                ParamRow {
                    name,
                    coef,
                    std_err,
                    z,
                    p_value: 2.0 * normal_sf(z.abs()),
                    ci_lower: coef - Z_975 * std_err,
                    ci_upper: coef + Z_975 * std_err,
                }
            })
            .collect();
        let e = self.standardized_residuals(&data)?;
        let diag = Diagnostics::of(&e);
        Ok(ArimaSummary {
            model: format!("ARIMA{}", self.order),
            nobs: self.nobs,
            llf: self.llf,
            aic: self.aic(),
            bic: self.bic(),
            hqic: self.hqic(),
            cov_type: "opg".to_owned(),
            params,
            ljung_box: diag.ljung_box,
            jarque_bera: diag.jarque_bera,
            skew: diag.skew,
            kurtosis: diag.kurtosis,
            heteroskedasticity: diag.het,
            converged: self.converged,
        })
    }

    /// The covariance matrix of the estimates from the outer product of the per-observation
    /// scores (statsmodels' `cov_params()` with `cov_type='opg'`, its default): `k × k` in
    /// statsmodels' parameter order (`const`, `ar.L*`, `ma.L*`, seasonal terms, `sigma2`; see
    /// [`ArimaOrder::param_names`](super::ArimaOrder::param_names)), for the series `y` the
    /// model was fitted to. The standard errors of [`FittedArima::summary`] are the square
    /// roots of its diagonal.
    ///
    /// # Errors
    /// As [`FittedArima::summary`].
    pub fn cov_params<'a>(
        &self,
        y: impl Into<ArrayView1<'a, f64>>,
    ) -> Result<Array2<f64>, ArimaError> {
        self.opg_covariance(&contiguous(y.into()))
    }

    /// The Kalman filter's input: `y` and its differences `w`.
    fn kalman_data<'d>(&self, y: &'d [f64], w: &'d [f64]) -> Data<'d> {
        Data {
            y,
            w,
            integ: self.order.integration(),
            start: self.start.kalman(),
        }
    }

    /// `(Σ_t g_t g_tᵀ)⁻¹` at the fitted parameters, column `i` solving `OPG x = e_i`.
    fn opg_covariance(&self, y: &[f64]) -> Result<Array2<f64>, ArimaError> {
        if y.len() != self.nobs {
            return Err(ArimaError::invalid(
                "y",
                format!("{} values", y.len()),
                format!("the {} values the model was fitted to", self.nobs),
            ));
        }
        let d = self.order.burn();
        let w = self.order.integration().difference(y);
        let data = self.kalman_data(y, &w);
        let theta = self.params.to_vec();
        let k = theta.len();
        // Score rows, 8 parameters per pass.
        let mut g = vec![0.0; (y.len() - d) * k];
        let mut start = 0;
        while start < k {
            let rows = score_chunk::<8>(self, &data, &theta, start)?;
            for (t, row) in rows.iter().enumerate() {
                for lane in 0..8.min(k - start) {
                    g[t * k + start + lane] = row[lane];
                }
            }
            start += 8;
        }
        let m = y.len() - d;
        let mut opg = vec![0.0; k * k];
        for t in 0..m {
            let row = &g[t * k..(t + 1) * k];
            for i in 0..k {
                for j in 0..k {
                    opg[i * k + j] += row[i] * row[j];
                }
            }
        }
        let mut cov = Array2::zeros((k, k));
        for i in 0..k {
            let mut a = opg.clone();
            let mut e = vec![0.0; k];
            e[i] = 1.0;
            solve_in_place(&mut a, k, &mut e).map_err(|_| ArimaError::Numerical {
                message: "the outer product of the scores is singular".to_owned(),
            })?;
            cov.column_mut(i).assign(&ArrayView1::from(&e));
        }
        Ok(cov)
    }

    /// `v_t / √F_t` for t ≥ d, at the fitted parameters.
    fn standardized_residuals(&self, data: &Data<'_>) -> Result<Vec<f64>, ArimaError> {
        let sys = self.params.system(self.order);
        let mut rec = Standardized {
            d: data.integ.k(),
            e: Vec::with_capacity(data.w.len()),
        };
        kalman::filter(data, &sys, self.params.constant, &mut rec)
            .map_err(likelihood::filter_error)?;
        Ok(rec.e)
    }
}

/// The score rows `∂ℓ_t/∂θ_{start..start+N}` for t ≥ d.
fn score_chunk<const N: usize>(
    fitted: &FittedArima,
    data: &Data<'_>,
    theta: &[f64],
    start: usize,
) -> Result<Vec<[f64; N]>, ArimaError> {
    let x: Vec<Dual<N>> = theta
        .iter()
        .enumerate()
        .map(|(i, &v)| Dual::var(v, i.wrapping_sub(start)))
        .collect();
    let c0 = usize::from(fitted.params.constant.is_some());
    let order = fitted.order;
    let (p, q) = (order.p, order.q);
    let offset = fitted.params.constant.map(|_| x[0]);
    let sys = if order.seasonal.is_none() {
        ArmaSs::new(&x[c0..c0 + p], &x[c0 + p..c0 + p + q], x[c0 + p + q])
    } else {
        let (sp, sq, s) = (order.seasonal.p, order.seasonal.q, order.seasonal.s);
        let c1 = c0 + p + q;
        let mut ar = vec![Dual::<N>::cst(0.0); order.ar_lags()];
        let mut ma = vec![Dual::<N>::cst(0.0); order.ma_lags()];
        expand(&x[c0..c0 + p], &x[c1..c1 + sp], s, -1.0, &mut ar);
        expand(&x[c0 + p..c1], &x[c1 + sp..c1 + sp + sq], s, 1.0, &mut ma);
        ArmaSs::new(&ar, &ma, x[c1 + sp + sq])
    };
    let mut rec = Scores {
        d: data.integ.k(),
        rows: Vec::with_capacity(data.w.len()),
    };
    kalman::filter(data, &sys, offset, &mut rec).map_err(likelihood::filter_error)?;
    Ok(rec.rows)
}

/// The residual diagnostics of statsmodels' summary.
struct Diagnostics {
    ljung_box: TestStat,
    jarque_bera: TestStat,
    skew: f64,
    kurtosis: f64,
    het: TestStat,
}

fn chi2_sf(x: f64, df: f64) -> f64 {
    ChiSquared::new(df).map_or(f64::NAN, |c| c.sf(x))
}

/// `2 · min(F.cdf(stat), F.sf(stat))` for `F` with `(h, h)` degrees of freedom. statrs'
/// F distribution panics on a NaN statistic (0 / 0: residuals all zero, or underflowing)
/// and on a finite one whose `h · stat` overflows; those give NaN and 0 (the limit as the
/// statistic grows) here.
fn f_two_sided(stat: f64, h: f64) -> f64 {
    if stat.is_nan() {
        return f64::NAN;
    }
    if !(h * stat).is_finite() {
        return 0.0;
    }
    FisherSnedecor::new(h, h).map_or(f64::NAN, |f| 2.0 * f.cdf(stat).min(f.sf(stat)))
}

impl Diagnostics {
    fn of(e: &[f64]) -> Self {
        let m = e.len() as f64;
        let mean = e.iter().sum::<f64>() / m;
        let c: Vec<f64> = e.iter().map(|v| v - mean).collect();
        let m2 = c.iter().map(|v| v * v).sum::<f64>() / m;
        let m3 = c.iter().map(|v| v * v * v).sum::<f64>() / m;
        let m4 = c.iter().map(|v| (v * v) * (v * v)).sum::<f64>() / m;
        // acf (adjusted=False): Σ c_t c_{t+1} / Σ c_t².
        let r1 = c.windows(2).map(|p| p[0] * p[1]).sum::<f64>() / (m2 * m);
        let q = m * (m + 2.0) * r1 * r1 / (m - 1.0);
        let skew = m3 / m2.powf(1.5);
        let kurtosis = m4 / (m2 * m2);
        let jb = m / 6.0 * (skew * skew + (kurtosis - 3.0).powi(2) / 4.0);
        // h = np.round(m / 3): round half to even.
        let h = (m / 3.0).round_ties_even() as usize;
        let het = if h > 0 && h <= e.len() {
            let num: f64 = e[e.len() - h..].iter().map(|v| v * v).sum();
            let den: f64 = e[..h].iter().map(|v| v * v).sum();
            let stat = num / den;
            let p = f_two_sided(stat, h as f64);
            TestStat {
                statistic: stat,
                p_value: p,
            }
        } else {
            TestStat {
                statistic: f64::NAN,
                p_value: f64::NAN,
            }
        };
        Diagnostics {
            ljung_box: TestStat {
                statistic: q,
                p_value: chi2_sf(q, 1.0),
            },
            jarque_bera: TestStat {
                statistic: jb,
                p_value: chi2_sf(jb, 2.0),
            },
            skew,
            kurtosis,
            het,
        }
    }
}

/// A number in statsmodels' summary style: 3 decimals in a 10-wide column, `{:.4g}`-like for
/// very large or small magnitudes.
fn cell(v: f64) -> String {
    if v.is_nan() {
        "nan".to_owned()
    } else if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.3}")
    }
}

impl fmt::Display for ArimaSummary {
    /// The table statsmodels prints (`SARIMAX Results`), without the date and time lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let eq = "=".repeat(78);
        let dash = "-".repeat(78);
        // statsmodels widens the header when the model name is long (seasonal orders).
        let extra = self.model.chars().count().saturating_sub(18);
        let width = 78 + extra;
        writeln!(f, "{:^width$}", "SARIMAX Results")?;
        writeln!(f, "{}", "=".repeat(width))?;
        let left = |k: &str, v: &str| format!("{k:<18}{v:>w$}   ", w = 18 + extra);
        let right = |k: &str, v: &str| format!("{k:<20}{v:>19}");
        let pairs = [
            (
                left("Dep. Variable:", "y"),
                right("No. Observations:", &self.nobs.to_string()),
            ),
            (
                left("Model:", &self.model),
                right("Log Likelihood", &format!("{:.3}", self.llf)),
            ),
            (
                left("Covariance Type:", &self.cov_type),
                right("AIC", &format!("{:.3}", self.aic)),
            ),
            (
                left("Converged:", if self.converged { "yes" } else { "no" }),
                right("BIC", &format!("{:.3}", self.bic)),
            ),
            (left("", ""), right("HQIC", &format!("{:.3}", self.hqic))),
        ];
        for (a, b) in pairs {
            writeln!(f, "{a}{b}")?;
        }
        writeln!(f, "{eq}")?;
        writeln!(
            f,
            "{:<12}{:>10}{:>11}{:>11}{:>11}{:>12}{:>11}",
            "", "coef", "std err", "z", "P>|z|", "[0.025", "0.975]"
        )?;
        writeln!(f, "{dash}")?;
        for r in &self.params {
            writeln!(
                f,
                "{:<12}{:>10}{:>11}{:>11}{:>11}{:>12}{:>11}",
                r.name,
                cell(r.coef),
                cell(r.std_err),
                format!("{:.3}", r.z),
                format!("{:.3}", r.p_value),
                cell(r.ci_lower),
                cell(r.ci_upper)
            )?;
        }
        writeln!(f, "{eq}")?;
        let row = |a: &str, x: f64, b: &str, y: f64| format!("{a:<26}{x:>12.2}   {b:<26}{y:>11.2}");
        writeln!(
            f,
            "{}",
            row(
                "Ljung-Box (L1) (Q):",
                self.ljung_box.statistic,
                "Jarque-Bera (JB):",
                self.jarque_bera.statistic
            )
        )?;
        writeln!(
            f,
            "{}",
            row(
                "Prob(Q):",
                self.ljung_box.p_value,
                "Prob(JB):",
                self.jarque_bera.p_value
            )
        )?;
        writeln!(
            f,
            "{}",
            row(
                "Heteroskedasticity (H):",
                self.heteroskedasticity.statistic,
                "Skew:",
                self.skew
            )
        )?;
        writeln!(
            f,
            "{}",
            row(
                "Prob(H) (two-sided):",
                self.heteroskedasticity.p_value,
                "Kurtosis:",
                self.kurtosis
            )
        )?;
        write!(f, "{eq}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_f_test_answers_where_statrs_would_panic() {
        // Ordinary statistics go through statrs unchanged.
        let f = FisherSnedecor::new(10.0, 10.0).expect("valid");
        assert_eq!(f_two_sided(1.7, 10.0), 2.0 * f.cdf(1.7).min(f.sf(1.7)));
        assert!((f_two_sided(1.0, 10.0) - 1.0).abs() < 1e-12);
        // 0 / 0 residual energy, an overflowing h · H, and an infinite H.
        assert!(f_two_sided(f64::NAN, 10.0).is_nan());
        assert_eq!(f_two_sided(1e308, 10.0), 0.0);
        assert_eq!(f_two_sided(f64::INFINITY, 10.0), 0.0);
        assert_eq!(f_two_sided(0.0, 10.0), 0.0);
    }

    #[test]
    fn diagnostics_of_zero_or_huge_residuals_do_not_panic() {
        let zeros = Diagnostics::of(&[0.0; 12]);
        assert!(zeros.het.statistic.is_nan() && zeros.het.p_value.is_nan());
        let mut huge = vec![1e-3; 12];
        huge[11] = 1e300;
        let d = Diagnostics::of(&huge);
        assert!(d.het.statistic > 1e300 && d.het.p_value == 0.0);
    }
}
