//! The KPSS stationarity test (Kwiatkowski, Phillips, Schmidt & Shin 1992), giving
//! statsmodels 0.15 `statsmodels.tsa.stattools.kpss` answers.
//!
//! ```text
//! e_t   = residuals of y on [1] ("c") or on [1, t], t = 1..n ("ct")
//! η     = Σ_t (Σ_{s≤t} e_s)² / n²                                        (eq. 11)
//! σ̂²    = (Σ e_t² + 2 Σ_{i=1..L} (1 − i/(L+1)) Σ_t e_t e_{t−i}) / n      (eq. 10, Bartlett)
//! KPSS  = η / σ̂²                         H0: level ("c") or trend ("ct") stationary
//! ```
//!
//! The truncation lag `L` (`nlags`, statsmodels `_kpss_autolag` for `"auto"`, Hobijn, Franses
//! & Ooms 1998):
//!
//! ```text
//! auto:   c = ⌊n^{2/9}⌋;  s0 = Σe²/n + Σ_{i=1..c} ρ_i;  s1 = Σ_{i=1..c} i ρ_i,
//!         ρ_i = Σ_t e_t e_{t−i} / (n/2);  L = ⌊1.1447 ((s1/s0)²)^{1/3} n^{1/3}⌋,  min(L, n − 1)
//! legacy: L = min(⌈12 (n/100)^{1/4}⌉, n − 1)
//! fixed:  L, which must be below n
//! ```
//!
//! The p-value is `numpy.interp` of the statistic in Table 1 of the paper (critical values
//! 0.347/0.463/0.574/0.739 for "c", 0.119/0.146/0.176/0.216 for "ct" at 10/5/2.5/1 %), so it is
//! clipped to [0.01, 0.10]; [`KpssResult::p_value_bound`] says when it was.

use serde::{Deserialize, Serialize};

use super::adf::AdfError;
use ndarray::{Array2, ArrayView1, ShapeBuilder};
use stratos_core::numeric::{Qr, contiguous, dot};

/// The null hypothesis of the KPSS test (statsmodels' `regression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum KpssRegression {
    /// `"c"`: stationary around a constant (statsmodels' default).
    #[default]
    #[serde(rename = "c")]
    Constant,
    /// `"ct"`: stationary around a linear trend.
    #[serde(rename = "ct")]
    ConstantTrend,
}

/// The truncation lag of the long-run variance (statsmodels' `nlags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KpssLags {
    /// `"auto"`: the data-dependent rule of Hobijn et al. (1998) (statsmodels' default).
    #[default]
    Auto,
    /// `"legacy"`: `⌈12 (n/100)^{1/4}⌉` (Schwert 1989).
    Legacy,
    /// A given lag, below the number of observations.
    Fixed(usize),
}

/// Where the reported p-value sits in the table of critical values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PValueBound {
    /// Interpolated inside the table: the p-value is the table's (approximate) answer.
    Interpolated,
    /// The statistic is at or below the 10 % critical value: the reported 0.10 is a lower
    /// bound, the true p-value is greater (statsmodels warns "greater").
    TrueIsGreater,
    /// The statistic is at or above the 1 % critical value: the reported 0.01 is an upper
    /// bound, the true p-value is smaller (statsmodels warns "smaller").
    TrueIsSmaller,
}

/// Critical values of the KPSS statistic (Kwiatkowski et al. 1992, Table 1); reject
/// stationarity at a level when the statistic is above its value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KpssCriticalValues {
    /// 10 % level.
    #[serde(rename = "10%")]
    pub pct10: f64,
    /// 5 % level.
    #[serde(rename = "5%")]
    pub pct5: f64,
    /// 2.5 % level.
    #[serde(rename = "2.5%")]
    pub pct2_5: f64,
    /// 1 % level.
    #[serde(rename = "1%")]
    pub pct1: f64,
}

/// The answer of [`kpss`] (statsmodels' `KPSSResult`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KpssResult {
    /// The KPSS statistic η / σ̂².
    pub statistic: f64,
    /// The p-value interpolated in the table, within [0.01, 0.10].
    pub p_value: f64,
    /// Whether `p_value` was clipped at an end of the table.
    pub p_value_bound: PValueBound,
    /// The truncation lag used.
    pub lags: usize,
    /// Observations.
    pub nobs: usize,
    /// Critical values at 10, 5, 2.5 and 1 %.
    pub critical_values: KpssCriticalValues,
}

const CRIT_C: [f64; 4] = [0.347, 0.463, 0.574, 0.739];
const CRIT_CT: [f64; 4] = [0.119, 0.146, 0.176, 0.216];
const PVALS: [f64; 4] = [0.10, 0.05, 0.025, 0.01];

/// Runs the KPSS test on `y` (statsmodels 0.15 `kpss(y, regression, nlags)`; formulas in the
/// [module docs](self)).
///
/// # Errors
/// - [`AdfError::NonFinite`] if a value is NaN or infinite;
/// - [`AdfError::TooShort`] below 2 observations (3 for [`KpssRegression::ConstantTrend`]);
/// - [`AdfError::Constant`] if every value is equal (the statistic is 0/0);
/// - [`AdfError::ExactFit`] if the residuals are all zero (a series exactly on a line);
/// - [`AdfError::LagsTooLarge`] if a fixed lag is not below the number of observations.
///
/// # Examples
/// ```
/// use stratos_strategies::arima::kpss::{kpss, KpssLags, KpssRegression, PValueBound};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A straight upward drift is far from level-stationary.
/// let y: Vec<f64> = (0..100).map(|t| t as f64 + (t % 3) as f64).collect();
/// let r = kpss(&y, KpssRegression::Constant, KpssLags::Auto)?;
/// assert!(r.statistic > r.critical_values.pct1);
/// assert_eq!((r.p_value, r.p_value_bound), (0.01, PValueBound::TrueIsSmaller));
/// # Ok(()) }
/// ```
pub fn kpss<'a>(
    y: impl Into<ArrayView1<'a, f64>>,
    regression: KpssRegression,
    nlags: KpssLags,
) -> Result<KpssResult, AdfError> {
    let y = contiguous(y.into());
    let y: &[f64] = &y;
    let n = y.len();
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(AdfError::NonFinite { index });
    }
    let min = match regression {
        KpssRegression::Constant => 2,
        KpssRegression::ConstantTrend => 3,
    };
    if n < min {
        return Err(AdfError::TooShort { len: n, min });
    }
    if super::adf::is_constant(y) {
        return Err(AdfError::Constant);
    }
    // A power-of-two scale (exact) keeps squares in range; the statistic is scale-free.
    let amax = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let e = ((amax.to_bits() >> 52) & 0x7ff) as i32;
    let e = (e.max(1) - 1023).clamp(-1022, 1022);
    let s = f64::from_bits(((1023 - e) as u64) << 52);
    let x: Vec<f64> = y.iter().map(|v| v * s).collect();

    let (resids, crit) = match regression {
        KpssRegression::Constant => {
            let mean = x.iter().sum::<f64>() / n as f64;
            (x.iter().map(|v| v - mean).collect::<Vec<_>>(), CRIT_C)
        }
        KpssRegression::ConstantTrend => {
            // OLS(x, add_constant(arange(1, n + 1))).fit().resid
            let mut a = vec![1.0; 2 * n];
            for (t, v) in a[n..].iter_mut().enumerate() {
                *v = (t + 1) as f64;
            }
            let singular = AdfError::SingularRegression { lag: 0 };
            let design =
                Array2::from_shape_vec((n, 2).f(), a.clone()).map_err(|_| singular.clone())?;
            let qr = Qr::factor(design, (&x).into()).map_err(|_| singular)?;
            let b = qr.coefficients();
            let resid = (0..n)
                .map(|t| x[t] - (a[t] * b[0] + a[n + t] * b[1]))
                .collect();
            (resid, CRIT_CT)
        }
    };
    if resids.iter().all(|&r| r == 0.0) {
        return Err(AdfError::ExactFit { lag: 0 });
    }

    let lags = match nlags {
        KpssLags::Legacy => {
            let l = (12.0 * (n as f64 / 100.0).powf(0.25)).ceil() as usize;
            l.min(n - 1)
        }
        KpssLags::Auto => autolag(&resids).min(n - 1),
        KpssLags::Fixed(lags) if lags >= n => {
            return Err(AdfError::LagsTooLarge { lags, nobs: n });
        }
        KpssLags::Fixed(lags) => lags,
    };

    let nf = n as f64;
    let mut cum = 0.0;
    let mut eta = 0.0;
    for r in &resids {
        cum += r;
        eta += cum * cum;
    }
    let eta = eta / (nf * nf);
    let s_hat = sigma_est(&resids, lags);
    let statistic = eta / s_hat;
    if !statistic.is_finite() {
        return Err(AdfError::ExactFit { lag: lags });
    }
    let p_value = interp(statistic, &crit, &PVALS);
    #[allow(clippy::float_cmp, reason = "statsmodels' test for a clipped p-value")]
    let (smaller, greater) = (p_value == PVALS[3], p_value == PVALS[0]);
    let p_value_bound = if smaller {
        PValueBound::TrueIsSmaller
    } else if greater {
        PValueBound::TrueIsGreater
    } else {
        PValueBound::Interpolated
    };
    Ok(KpssResult {
        statistic,
        p_value,
        p_value_bound,
        lags,
        nobs: n,
        critical_values: KpssCriticalValues {
            pct10: crit[0],
            pct5: crit[1],
            pct2_5: crit[2],
            pct1: crit[3],
        },
    })
}

/// `Σ_t e_t e_{t−i}`.
fn autocov(resids: &[f64], i: usize) -> f64 {
    dot(&resids[i..], &resids[..resids.len() - i])
}

/// statsmodels `_sigma_est_kpss` (eq. 10 of the paper, Bartlett weights).
fn sigma_est(resids: &[f64], lags: usize) -> f64 {
    let n = resids.len();
    let mut s_hat = dot(resids, resids);
    for i in 1..=lags.min(n.saturating_sub(1)) {
        let prod = autocov(resids, i);
        s_hat += 2.0 * prod * (1.0 - (i as f64 / (lags as f64 + 1.0)));
    }
    s_hat / n as f64
}

/// statsmodels `_kpss_autolag` (Hobijn et al. 1998).
fn autolag(resids: &[f64]) -> usize {
    let n = resids.len();
    let nf = n as f64;
    let covlags = (nf.powf(2.0 / 9.0) as usize).min(n.saturating_sub(1));
    let mut s0 = dot(resids, resids) / nf;
    let mut s1 = 0.0;
    for i in 1..=covlags {
        let prod = autocov(resids, i) / (nf / 2.0);
        s0 += prod;
        s1 += i as f64 * prod;
    }
    let s_hat = s1 / s0;
    let pwr = 1.0 / 3.0;
    let gamma_hat = 1.1447 * (s_hat * s_hat).powf(pwr);
    // Python's int() truncates; a NaN (impossible for non-zero residuals) saturates to 0.
    (gamma_hat * nf.powf(pwr)) as usize
}

/// `numpy.interp(x, xp, fp)` for increasing `xp` (numpy's `arr_interp`, scalar case).
#[allow(clippy::float_cmp, reason = "numpy's exact-hit branches")]
fn interp(x: f64, xp: &[f64; 4], fp: &[f64; 4]) -> f64 {
    if x > xp[3] {
        return fp[3];
    }
    if x < xp[0] {
        return fp[0];
    }
    if x == xp[3] {
        return fp[3];
    }
    let Some(j) = (0..3).rev().find(|&j| xp[j] <= x) else {
        return f64::NAN; // x is NaN
    };
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (x - xp[j]) + fp[j];
    if r.is_nan() {
        slope * (x - xp[j + 1]) + fp[j + 1]
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const Y: [f64; 20] = [
        3.1, 2.7, 4.4, 3.9, 5.2, 4.8, 6.1, 5.0, 6.7, 7.3, 6.2, 7.9, 8.4, 7.7, 9.1, 8.8, 10.2, 9.6,
        11.0, 10.4,
    ];

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    /// statsmodels 0.15.0 `kpss(Y, regression, nlags, result_object=True)`.
    #[test]
    fn small_series_matches_statsmodels() {
        use KpssLags::{Auto, Fixed, Legacy};
        use KpssRegression::{Constant, ConstantTrend};
        let reference = [
            (Constant, Auto, 0.7640611973355134, 0.01, 2),
            (ConstantTrend, Legacy, 0.287385416216569, 0.01, 9),
            (
                Constant,
                Fixed(3),
                0.6124310441132063,
                0.021506268716981247,
                3,
            ),
            (
                ConstantTrend,
                Auto,
                0.1740610040405304,
                0.026615829966224656,
                7,
            ),
        ];
        for (reg, lags, stat, p, used) in reference {
            let r = kpss(&Y, reg, lags).unwrap();
            assert!(
                rel(r.statistic, stat) < 1e-12,
                "{reg:?} {lags:?}: {}",
                r.statistic
            );
            assert!(rel(r.p_value, p) < 1e-12, "{reg:?} {lags:?}: {}", r.p_value);
            assert_eq!(r.lags, used);
            let bound = if p == 0.01 {
                PValueBound::TrueIsSmaller
            } else {
                PValueBound::Interpolated
            };
            assert_eq!(r.p_value_bound, bound);
        }
    }

    #[test]
    fn invalid_input_gives_typed_errors() {
        let c = KpssRegression::Constant;
        assert_eq!(
            kpss(&[1.0, f64::NAN], c, KpssLags::Auto),
            Err(AdfError::NonFinite { index: 1 })
        );
        assert_eq!(
            kpss(&[1.0], c, KpssLags::Auto),
            Err(AdfError::TooShort { len: 1, min: 2 })
        );
        assert_eq!(
            kpss(&[1.0, 2.0], KpssRegression::ConstantTrend, KpssLags::Auto),
            Err(AdfError::TooShort { len: 2, min: 3 })
        );
        assert_eq!(kpss(&[2.0; 10], c, KpssLags::Auto), Err(AdfError::Constant));
        assert_eq!(
            kpss(&Y, c, KpssLags::Fixed(20)),
            Err(AdfError::LagsTooLarge { lags: 20, nobs: 20 })
        );
        assert!(kpss(&Y, c, KpssLags::Fixed(19)).is_ok());
    }

    #[test]
    fn interp_is_numpy_interp() {
        assert_eq!(interp(0.1, &CRIT_C, &PVALS), 0.10);
        assert_eq!(interp(0.347, &CRIT_C, &PVALS), 0.10);
        assert_eq!(interp(0.463, &CRIT_C, &PVALS), 0.05);
        assert_eq!(interp(0.739, &CRIT_C, &PVALS), 0.01);
        assert_eq!(interp(5.0, &CRIT_C, &PVALS), 0.01);
        // numpy.interp(0.5, [0.347, 0.463, 0.574, 0.739], [0.1, 0.05, 0.025, 0.01])
        assert_eq!(interp(0.5, &CRIT_C, &PVALS), 0.04166666666666667);
    }

    #[test]
    fn answers_are_scale_free() {
        let base = kpss(&Y, KpssRegression::ConstantTrend, KpssLags::Auto).unwrap();
        for scale in [1e-250, 1e250] {
            let ys: Vec<f64> = Y.iter().map(|v| v * scale).collect();
            let r = kpss(&ys, KpssRegression::ConstantTrend, KpssLags::Auto).unwrap();
            assert_eq!(r.lags, base.lags);
            assert!(rel(r.statistic, base.statistic) < 1e-13);
        }
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<KpssResult>();
        check::<KpssLags>();
        check::<KpssRegression>();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any finite input gets an answer or a typed error, never a panic; answers have a
        /// finite statistic and a p-value in [0.01, 0.10].
        #[test]
        fn never_panics(
            y in prop::collection::vec(
                prop_oneof![-1e3f64..1e3, -1e300f64..1e300, -1e-300f64..1e-300, Just(0.0)],
                0..60,
            ),
            trend in any::<bool>(),
            lags in prop_oneof![
                Just(KpssLags::Auto),
                Just(KpssLags::Legacy),
                (0usize..70).prop_map(KpssLags::Fixed),
            ],
        ) {
            let reg = if trend { KpssRegression::ConstantTrend } else { KpssRegression::Constant };
            if let Ok(r) = kpss(&y, reg, lags) {
                prop_assert!(r.statistic.is_finite());
                prop_assert!((0.01..=0.1).contains(&r.p_value));
                prop_assert!(r.lags < y.len());
            }
        }
    }
}
