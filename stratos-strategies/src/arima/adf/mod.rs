//! The augmented Dickey–Fuller unit-root test, giving statsmodels 0.15
//! `statsmodels.tsa.stattools.adfuller` answers, with MacKinnon's p-values and critical values
//! (`statsmodels.tsa.adfvalues.mackinnonp` / `mackinnoncrit`).
//!
//! ```text
//! Δx_t = γ x_{t−1} + Σ_{i=1..L} b_i Δx_{t−i} + [c] + [β t] + [β₂ t²] + e_t        (OLS)
//! statistic = γ̂ / se(γ̂)                     H0: unit root (γ = 0)
//! ```
//!
//! Rules, as `adfuller`:
//! - `max_lag` `None` → `⌈12 · (n/100)^{1/4}⌉`, capped at `n/2 − ntrend − 1` (integer
//!   division; `ntrend` = 1 for `c`, 2 for `ct`, 3 for `ctt`, 0 for `n`); an explicit
//!   `max_lag` above that cap is an error.
//! - With an autolag criterion every `L` in `0..=max_lag` is fitted on the same sample (the
//!   last `n − 1 − max_lag` differences), deterministic terms first, then the level, then the
//!   lags (`_autolag`); AIC/BIC pick the smallest criterion (ties → smaller `L`); `t-stat`
//!   walks down from `max_lag` and stops at the first lag whose |t| ≥ 1.6448536269514722.
//!   The chosen `L` is then refitted on its own, longer, sample: `nobs = n − 1 − L`.
//! - The final regression's columns are `[level, lag 1..L, const, t, t²]`, `t = 1..nobs`
//!   (statsmodels `add_trend`, which also leaves the constant out when another column is a
//!   non-zero constant).
//!
//! # Speed
//! The autolag search does not refit `max_lag + 1` regressions. The search regressors are
//! windows of two series (the level and the differences), so their Gram matrix `[X y]ᵀ[X y]`
//! is built from `O(max_lag)` dot products, the lag × lag block by sliding each window
//! (`S(i+1, j+1) = S(i, j) + first products − last products`). One Cholesky factor of that
//! matrix gives every nested regression at once: for the first `p` columns
//! `ssr_p = Σ_{i ≥ p} R[i][y]²` and the last coefficient's `t = R[p−1][y] / √(ssr_p/(m−p))`.
//! Before that, the level is centred and the trend columns replaced by orthogonal polynomials
//! (triangular changes of basis, which leave every nested fit unchanged) so the Gram matrix
//! is well conditioned. An a-posteriori bound on the rounding of each `ssr_p` (first-order
//! perturbation of the Schur complement) must stay below 1e-10 relative, else the search is
//! redone by Householder QR of the full design. The chosen regression is always refitted by
//! Householder QR. The input is scaled by a power of two (exact) so no square overflows.

use std::fmt;

use serde::{Deserialize, Serialize};

use ndarray::{Array2, ArrayView1, ShapeBuilder};
use stratos_core::numeric::{OlsFit, Qr, contiguous};

use super::ols;

mod mackinnon;
mod search;

pub use mackinnon::{MackinnonTable, mackinnon_crit, mackinnon_p, mackinnon_table};
use mackinnon::{TABLE_CONSTANT, TABLE_CONSTANT_TREND, TABLE_CONSTANT_TREND_SQUARED, TABLE_NONE};
use search::search;

/// The deterministic terms of the test regression (statsmodels' `regression` argument; the
/// serde names are statsmodels' strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Regression {
    /// `"c"`: constant only (statsmodels' default).
    #[default]
    #[serde(rename = "c")]
    Constant,
    /// `"ct"`: constant and linear trend.
    #[serde(rename = "ct")]
    ConstantTrend,
    /// `"ctt"`: constant, linear and quadratic trend.
    #[serde(rename = "ctt")]
    ConstantTrendSquared,
    /// `"n"`: no constant, no trend.
    #[serde(rename = "n")]
    None,
}

impl Regression {
    /// statsmodels' name: `"c"`, `"ct"`, `"ctt"` or `"n"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Regression::Constant => "c",
            Regression::ConstantTrend => "ct",
            Regression::ConstantTrendSquared => "ctt",
            Regression::None => "n",
        }
    }

    /// The number of deterministic regressors (`ntrend` in `adfuller`): 1, 2, 3 or 0.
    pub fn deterministic_terms(self) -> usize {
        match self {
            Regression::Constant => 1,
            Regression::ConstantTrend => 2,
            Regression::ConstantTrendSquared => 3,
            Regression::None => 0,
        }
    }

    fn table(self) -> &'static MackinnonTable {
        match self {
            Regression::Constant => &TABLE_CONSTANT,
            Regression::ConstantTrend => &TABLE_CONSTANT_TREND,
            Regression::ConstantTrendSquared => &TABLE_CONSTANT_TREND_SQUARED,
            Regression::None => &TABLE_NONE,
        }
    }
}

impl fmt::Display for Regression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the number of lagged differences is chosen (statsmodels' `autolag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Autolag {
    /// `"AIC"`: smallest Akaike criterion (statsmodels' default).
    #[serde(rename = "AIC", alias = "aic")]
    Aic,
    /// `"BIC"`: smallest Schwarz criterion.
    #[serde(rename = "BIC", alias = "bic")]
    Bic,
    /// `"t-stat"`: from `max_lag` down, the first lag whose coefficient has |t| ≥ 1.645
    /// (a two-sided 10 % test), else 0.
    #[serde(rename = "t-stat")]
    TStat,
}

/// Configuration of [`adf`]; [`Default`] is statsmodels' defaults
/// (`regression="c"`, `maxlag=None`, `autolag="AIC"`).
///
/// # Examples
/// ```
/// use stratos_strategies::arima::adf::{AdfConfig, Autolag, Regression};
/// let config = AdfConfig::default()
///     .with_regression(Regression::ConstantTrend)
///     .with_max_lag(Some(4))
///     .with_autolag(None); // exactly 4 lags
/// assert_eq!(config.autolag, None);
/// assert_eq!(AdfConfig::default().autolag, Some(Autolag::Aic));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdfConfig {
    /// Deterministic terms. Defaults to [`Regression::Constant`].
    pub regression: Regression,
    /// Largest lag considered (the lag used when `autolag` is `None`). Defaults to `None`:
    /// `⌈12 · (n/100)^{1/4}⌉`, capped at `n/2 − ntrend − 1`.
    #[serde(rename = "maxlag", alias = "max_lag")]
    pub max_lag: Option<usize>,
    /// Lag selection; `None` uses `max_lag` lags. Defaults to `Some(Autolag::Aic)`.
    pub autolag: Option<Autolag>,
}

impl Default for AdfConfig {
    fn default() -> Self {
        AdfConfig {
            regression: Regression::Constant,
            max_lag: None,
            autolag: Some(Autolag::Aic),
        }
    }
}

impl AdfConfig {
    /// Sets the deterministic terms.
    pub fn with_regression(mut self, regression: Regression) -> Self {
        self.regression = regression;
        self
    }

    /// Sets the largest lag (`None`: statsmodels' rule).
    pub fn with_max_lag(mut self, max_lag: Option<usize>) -> Self {
        self.max_lag = max_lag;
        self
    }

    /// Sets the lag selection (`None`: use `max_lag`).
    pub fn with_autolag(mut self, autolag: Option<Autolag>) -> Self {
        self.autolag = autolag;
        self
    }
}

/// Critical values of the ADF statistic (MacKinnon 2010 response surface at the regression's
/// `nobs`); reject a unit root at a level when the statistic is below its value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CriticalValues {
    /// 1 % level.
    #[serde(rename = "1%")]
    pub pct1: f64,
    /// 5 % level.
    #[serde(rename = "5%")]
    pub pct5: f64,
    /// 10 % level.
    #[serde(rename = "10%")]
    pub pct10: f64,
}

impl From<[f64; 3]> for CriticalValues {
    fn from(v: [f64; 3]) -> Self {
        CriticalValues {
            pct1: v[0],
            pct5: v[1],
            pct10: v[2],
        }
    }
}

/// One row of the autolag search: the regression with `lag` lagged differences on the
/// common sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LagCriteria {
    /// Number of lagged differences.
    pub lag: usize,
    /// Rows of the common sample (`n − 1 − max_lag`).
    pub nobs: usize,
    /// Residual sum of squares.
    pub ssr: f64,
    /// Akaike criterion, `−2 llf + 2k` with `k` = number of regressors.
    pub aic: f64,
    /// Schwarz criterion, `−2 llf + ln(nobs) · k`.
    pub bic: f64,
    /// t-value of the last regressor (lag `lag`'s coefficient; the level's when `lag` is 0),
    /// which the `t-stat` rule reads.
    pub t_last: f64,
}

/// The answer of [`adf`] (statsmodels' `ADFullerResult`, plus the final regression).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdfResult {
    /// The ADF statistic, the t-value of the level's coefficient γ.
    pub statistic: f64,
    /// MacKinnon's (1994) approximate p-value.
    pub p_value: f64,
    /// Lags used in the final regression.
    pub used_lag: usize,
    /// Rows of the final regression (`n − 1 − used_lag`).
    pub nobs: usize,
    /// MacKinnon (2010) critical values at `nobs`.
    pub critical_values: CriticalValues,
    /// The best criterion of the autolag search (|t| for `t-stat`); `None` without autolag.
    pub ic_best: Option<f64>,
    /// The largest lag considered (after statsmodels' default and cap).
    pub max_lag: usize,
    /// The deterministic terms.
    pub regression: Regression,
    /// Coefficients of the final regression in statsmodels' order:
    /// `[γ, b_1..b_L, const, trend, trend²]` (those present).
    pub coefficients: Vec<f64>,
    /// Their standard errors.
    pub std_errors: Vec<f64>,
    /// Residual sum of squares of the final regression.
    pub ssr: f64,
    /// The autolag search, one row per lag `0..=max_lag` (empty without autolag).
    pub autolag_table: Vec<LagCriteria>,
}

/// Why a stationarity test ([`adf`], [`kpss`](super::kpss::kpss)) has no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdfError {
    /// Fewer observations than the regression needs.
    TooShort {
        /// Observations given.
        len: usize,
        /// Smallest number accepted.
        min: usize,
    },
    /// `max_lag` above statsmodels' limit `n/2 − ntrend − 1`.
    MaxLagTooLarge {
        /// The lag asked for.
        max_lag: usize,
        /// The largest lag allowed for this length and regression.
        limit: usize,
    },
    /// A value is NaN or infinite.
    NonFinite {
        /// Its position in the series.
        index: usize,
    },
    /// Every value is the same (statsmodels raises "x is constant").
    Constant,
    /// The regressors of the regression with `lag` lags are linearly dependent.
    SingularRegression {
        /// Lagged differences in that regression.
        lag: usize,
    },
    /// The regression with `lag` lags leaves no residual variance (an exact fit, or no
    /// degrees of freedom), so the t-statistic is undefined.
    ExactFit {
        /// Lagged differences in that regression.
        lag: usize,
    },
    /// KPSS: the truncation lag must be below the number of observations.
    LagsTooLarge {
        /// The lag asked for.
        lags: usize,
        /// Observations.
        nobs: usize,
    },
}

impl fmt::Display for AdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdfError::TooShort { len, min } => write!(
                f,
                "series of {len} observations is too short for this test: at least {min} needed"
            ),
            AdfError::MaxLagTooLarge { max_lag, limit } => write!(
                f,
                "max_lag {max_lag} is too large: at most n/2 - ntrend - 1 = {limit} for this series"
            ),
            AdfError::NonFinite { index } => {
                write!(f, "value at index {index} is NaN or infinite")
            }
            AdfError::Constant => write!(f, "the series is constant"),
            AdfError::SingularRegression { lag } => write!(
                f,
                "the test regression with {lag} lags has linearly dependent regressors"
            ),
            AdfError::ExactFit { lag } => write!(
                f,
                "the test regression with {lag} lags fits exactly, the t-statistic is undefined"
            ),
            AdfError::LagsTooLarge { lags, nobs } => write!(
                f,
                "lags ({lags}) must be below the number of observations ({nobs})"
            ),
        }
    }
}

impl std::error::Error for AdfError {}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

/// `stats.norm.ppf(.95)`, where `_autolag`'s `t-stat` rule stops.
const T_STAT_STOP: f64 = 1.6448536269514722;

/// Runs the augmented Dickey–Fuller test on `y` (statsmodels 0.15 `adfuller(y, maxlag,
/// regression, autolag)`; see the [module docs](self) for the rules).
///
/// # Errors
/// - [`AdfError::NonFinite`] if a value is NaN or infinite;
/// - [`AdfError::TooShort`] if `y.len() < 2 · (ntrend + 1)` (statsmodels: "sample size is too
///   short");
/// - [`AdfError::Constant`] if every value is equal;
/// - [`AdfError::MaxLagTooLarge`] if `max_lag > n/2 − ntrend − 1`;
/// - [`AdfError::SingularRegression`] if a regression's columns are linearly dependent (where
///   statsmodels' pseudo-inverse would quietly drop one);
/// - [`AdfError::ExactFit`] if the final regression leaves no residual variance.
///
/// # Examples
/// ```
/// use stratos_strategies::arima::adf::{adf, AdfConfig};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // An AR(1) with coefficient 0.5: strongly stationary.
/// let mut y = vec![0.0f64; 200];
/// let mut state = 1u64;
/// for t in 1..200 {
///     state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
///     let noise = ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5;
///     y[t] = 0.5 * y[t - 1] + noise;
/// }
/// let r = adf(&y, &AdfConfig::default())?;
/// assert!(r.statistic < r.critical_values.pct1);
/// assert!(r.p_value < 0.01);
/// assert_eq!(r.nobs, 199 - r.used_lag);
/// # Ok(()) }
/// ```
pub fn adf<'a>(
    y: impl Into<ArrayView1<'a, f64>>,
    config: &AdfConfig,
) -> Result<AdfResult, AdfError> {
    let y = contiguous(y.into());
    let y: &[f64] = &y;
    let n = y.len();
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(AdfError::NonFinite { index });
    }
    let regression = config.regression;
    let ntrend = regression.deterministic_terms();
    let min = 2 * (ntrend + 1);
    if n < min {
        return Err(AdfError::TooShort { len: n, min });
    }
    if is_constant(y) {
        return Err(AdfError::Constant);
    }
    // n ≥ 2 (ntrend + 1), so this cannot underflow.
    let limit = n / 2 - ntrend - 1;
    let max_lag = match config.max_lag {
        None => {
            let default = (12.0 * (n as f64 / 100.0).powf(0.25)).ceil();
            (default as usize).min(limit)
        }
        Some(max_lag) if max_lag > limit => {
            return Err(AdfError::MaxLagTooLarge { max_lag, limit });
        }
        Some(max_lag) => max_lag,
    };

    // Scale by a power of two: every operation below is then exactly the scaled version of the
    // unscaled one, and no square overflows or underflows.
    let amax = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let e = binary_exponent(amax).clamp(-1022, 1022);
    let (s, s_inv) = (pow2(-e), pow2(e));
    let x: Vec<f64> = y.iter().map(|v| v * s).collect();
    let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let unscale_ssr = |ssr: f64| ssr * s_inv * s_inv;
    let ln_ssr = |ssr: f64| {
        let t = unscale_ssr(ssr);
        if t.is_finite() && t > 0.0 {
            t.ln()
        } else {
            ssr.ln() + 2.0 * f64::from(e) * std::f64::consts::LN_2
        }
    };
    let criteria_llf = |ssr: f64, nobs: usize| {
        let t = unscale_ssr(ssr);
        if t.is_finite() && t > 0.0 {
            ols::llf(t, nobs)
        } else {
            ols::llf_from_ln_ssr(ln_ssr(ssr), nobs)
        }
    };

    let mut autolag_table = Vec::new();
    let (used_lag, ic_best) = match config.autolag {
        None => (max_lag, None),
        Some(method) => {
            let fits = search(&x, &d, regression, max_lag)?;
            for (lag, (&ssr, &t_last)) in fits.ssr.iter().zip(&fits.t_last).enumerate() {
                let k = fits.leading + 1 + lag;
                let llf = criteria_llf(ssr, fits.nobs);
                autolag_table.push(LagCriteria {
                    lag,
                    nobs: fits.nobs,
                    ssr: unscale_ssr(ssr),
                    aic: ols::aic(llf, k),
                    bic: ols::bic(llf, fits.nobs, k),
                    t_last,
                });
            }
            let (lag, ic) = select_lag(&autolag_table, method);
            (lag, Some(ic))
        }
    };

    let (fit, n_det) = final_fit(&x, &d, regression, used_lag)?;
    let statistic = fit.tvalue(0);
    if !statistic.is_finite() {
        return Err(AdfError::ExactFit { lag: used_lag });
    }
    let p_value = mackinnon_p(statistic, regression, 1).unwrap_or(f64::NAN);
    let critical_values = mackinnon_crit(regression, 1, Some(fit.nobs))
        .unwrap_or([f64::NAN; 3])
        .into();
    // Deterministic coefficients carry the data's unit; the rest are unit-free.
    let first_det = fit.params.len() - n_det;
    let unscale = |(i, v): (usize, &f64)| if i >= first_det { v * s_inv } else { *v };
    Ok(AdfResult {
        statistic,
        p_value,
        used_lag,
        nobs: fit.nobs,
        critical_values,
        ic_best,
        max_lag,
        regression,
        coefficients: fit.params.iter().enumerate().map(unscale).collect(),
        std_errors: fit.bse.iter().enumerate().map(unscale).collect(),
        ssr: unscale_ssr(fit.ssr),
        autolag_table,
    })
}

/// `e` with `|v| ∈ [2^e, 2^{e+1})` for normal `v` (−1022 for zero and subnormals).
fn binary_exponent(v: f64) -> i32 {
    let biased = ((v.to_bits() >> 52) & 0x7ff) as i32;
    biased.max(1) - 1023
}

/// `2^k` for `k` in `-1022..=1023`.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `_autolag`'s choice among the table rows: smallest AIC/BIC (first on ties), or the `t-stat`
/// walk down from the largest lag.
fn select_lag(table: &[LagCriteria], method: Autolag) -> (usize, f64) {
    let by = |crit: fn(&LagCriteria) -> f64| {
        let mut best = (0, f64::NAN);
        for (i, row) in table.iter().enumerate() {
            // Python's min over (ic, lag) tuples: a later row wins only if strictly smaller.
            if i == 0 || crit(row) < best.1 {
                best = (row.lag, crit(row));
            }
        }
        best
    };
    match method {
        Autolag::Aic => by(|r| r.aic),
        Autolag::Bic => by(|r| r.bic),
        Autolag::TStat => {
            let mut best = (0, 0.0);
            for row in table.iter().rev() {
                best = (row.lag, row.t_last.abs());
                if best.1 >= T_STAT_STOP {
                    break;
                }
            }
            best
        }
    }
}

/// Every value equal (statsmodels `x.max() == x.min()`); true for an empty slice.
#[allow(clippy::float_cmp, reason = "exact equality is statsmodels' test")]
pub(crate) fn is_constant(v: &[f64]) -> bool {
    v.split_first()
        .is_none_or(|(&first, rest)| rest.iter().all(|&u| u == first))
}

/// statsmodels `add_trend(..., has_constant="skip")`: the constant is left out when a column
/// of the lag matrix is a non-zero constant (`ptp == 0` and first value `!= 0`).
#[allow(clippy::float_cmp, reason = "exact equality is statsmodels' test")]
fn is_nonzero_constant(v: &[f64]) -> bool {
    match v.split_first() {
        Some((&first, rest)) => first != 0.0 && rest.iter().all(|&u| u == first),
        None => false,
    }
}

/// Whether the regression over the sample of `m` rows starting at lag `lag` keeps its
/// constant: `regression` has one and no level/lag column is a non-zero constant.
pub(super) fn keeps_constant(
    x: &[f64],
    d: &[f64],
    regression: Regression,
    lag: usize,
    m: usize,
) -> bool {
    regression != Regression::None
        && !is_nonzero_constant(&x[lag..lag + m])
        && !(1..=lag).any(|j| is_nonzero_constant(&d[lag - j..lag - j + m]))
}

/// The deterministic columns over `m` rows. With the constant: `1`, then (centred) `t` and
/// `t²` made orthogonal to the earlier ones when `centred`, else raw `t = 1..m`, `t²`
/// (statsmodels `add_trend`). Without it (skipped): raw `t`, `t²` as present.
pub(super) fn deterministic_columns(
    regression: Regression,
    has_const: bool,
    m: usize,
    centred: bool,
) -> Vec<Vec<f64>> {
    let order = match regression {
        Regression::None => return Vec::new(),
        Regression::Constant => 0,
        Regression::ConstantTrend => 1,
        Regression::ConstantTrendSquared => 2,
    };
    let mut cols = Vec::with_capacity(order + 1);
    if has_const {
        cols.push(vec![1.0; m]);
    }
    if order >= 1 {
        if has_const && centred {
            let mid = (m as f64 - 1.0) / 2.0;
            let t1: Vec<f64> = (0..m).map(|r| r as f64 - mid).collect();
            if order >= 2 {
                // Σ t1² / m = (m² − 1)/12, and Σ t1³ = 0: t2 ⟂ 1, t1.
                let mf = m as f64;
                let c = (mf * mf - 1.0) / 12.0;
                let t2 = t1.iter().map(|t| t * t - c).collect();
                cols.push(t1);
                cols.push(t2);
            } else {
                cols.push(t1);
            }
        } else {
            cols.push((1..=m).map(|t| t as f64).collect());
            if order >= 2 {
                cols.push((1..=m).map(|t| (t * t) as f64).collect());
            }
        }
    }
    cols
}

/// The final regression with `lag` lags on its own sample (`n − 1 − lag` rows), columns
/// `[level, lag 1..lag, const, t, t²]` as statsmodels; returns the fit and the number of
/// deterministic columns.
fn final_fit(
    x: &[f64],
    d: &[f64],
    regression: Regression,
    lag: usize,
) -> Result<(OlsFit, usize), AdfError> {
    let n = x.len();
    let m = n - 1 - lag;
    let has_const = keeps_constant(x, d, regression, lag, m);
    let det = deterministic_columns(regression, has_const, m, false);
    let cols = 1 + lag + det.len();
    if m <= cols {
        return Err(AdfError::ExactFit { lag });
    }
    // The level enters centred when there is a constant (an exact change of basis, undone on
    // the constant below): a level far from zero would otherwise be nearly collinear with the
    // constant, and γ would lose digits to that offset.
    let level = &x[lag..lag + m];
    let shift = if has_const {
        level.iter().sum::<f64>() / m as f64
    } else {
        0.0
    };
    let mut a = Vec::with_capacity(m * cols);
    a.extend(level.iter().map(|v| v - shift));
    for j in 1..=lag {
        a.extend_from_slice(&d[lag - j..lag - j + m]);
    }
    for v in &det {
        a.extend_from_slice(v);
    }
    let x = Array2::from_shape_vec((m, cols).f(), a)
        .map_err(|_| AdfError::SingularRegression { lag })?;
    let qr = Qr::factor(x, (&d[lag..]).into()).map_err(|_| AdfError::SingularRegression { lag })?;
    let mut fit = qr.fit();
    if fit.ssr.is_nan() || fit.ssr <= 0.0 {
        return Err(AdfError::ExactFit { lag });
    }
    if has_const {
        // y = c' + γ (x − shift) + … = (c' − γ·shift) + γ x + …, and
        // var(c' − shift·γ) = var(c') − 2·shift·cov(c', γ) + shift²·var(γ).
        let ic = 1 + lag;
        let scale = qr.scale(fit.ssr);
        fit.params[ic] -= shift * fit.params[0];
        let cov = Qr::xtx_inverse(&qr.r_inverse());
        let var = cov[[ic, ic]] - 2.0 * shift * cov[[ic, 0]] + shift * shift * cov[[0, 0]];
        fit.bse[ic] = (scale * var).sqrt();
    }
    Ok((fit, det.len()))
}

#[cfg(test)]
mod tests;
