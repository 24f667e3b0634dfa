//! The public ARIMA types: the order, the model (a configuration that never fails to build),
//! its parameters, and the fitted model with criteria, in-sample predictions and residuals.

use std::fmt;

use ndarray::{Array1, ArrayView1};
use serde::{Deserialize, Serialize};
use stratos_core::numeric::contiguous;

use super::constrain::{MAX_LAG, is_stationary};
use super::error::ArimaError;
use super::kalman::{self, ArmaSs, Data, Innovations, Integration, MAX_D, MAX_SR, Start};
use super::likelihood;

mod fitted;

pub(crate) use fitted::Convergence;
pub use fitted::FittedArima;
use fitted::{build_fitted, finite_llf};

/// The seasonal part `(P, D, Q, s)` of a SARIMA order: seasonal AR lags `s, 2s, …, Ps`,
/// seasonal differences `(1 − L^s)^D`, seasonal MA lags `s, …, Qs`. All zero means no
/// seasonal part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SeasonalOrder {
    /// Seasonal AR order P.
    #[serde(rename = "P")]
    pub p: usize,
    /// Seasonal differencing order D (0..=2).
    #[serde(rename = "D")]
    pub d: usize,
    /// Seasonal MA order Q.
    #[serde(rename = "Q")]
    pub q: usize,
    /// The period s (at least 2 when P, D or Q is positive).
    pub s: usize,
}

impl SeasonalOrder {
    /// No seasonal part.
    pub const NONE: SeasonalOrder = SeasonalOrder {
        p: 0,
        d: 0,
        q: 0,
        s: 0,
    };

    /// `(P, D, Q, s)`; with P = D = Q = 0 the period is dropped (no seasonal part).
    pub const fn new(p: usize, d: usize, q: usize, s: usize) -> Self {
        if p + d + q == 0 {
            SeasonalOrder::NONE
        } else {
            SeasonalOrder { p, d, q, s }
        }
    }

    /// True when there is no seasonal part (P = D = Q = 0).
    pub const fn is_none(&self) -> bool {
        self.p + self.d + self.q == 0
    }
}

/// An ARIMA order `(p, d, q)`: AR lags, differences, MA lags, with an optional seasonal part
/// `(P, D, Q, s)` (a SARIMA model, statsmodels' `seasonal_order`).
///
/// # Examples
/// ```
/// use stratos_strategies::arima::ArimaOrder;
/// let order = ArimaOrder::new(2, 1, 2);
/// assert_eq!(order.to_string(), "(2, 1, 2)");
/// assert_eq!(order.n_params(), 5); // ar.L1, ar.L2, ma.L1, ma.L2, sigma2
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArimaOrder {
    /// AR order p (0..=10).
    pub p: usize,
    /// Integration order d (0..=2).
    pub d: usize,
    /// MA order q (0..=10).
    pub q: usize,
    /// The seasonal part (none by default).
    #[serde(default, skip_serializing_if = "SeasonalOrder::is_none")]
    pub seasonal: SeasonalOrder,
}

impl ArimaOrder {
    /// The order `(p, d, q)` (not validated; see [`ArimaOrder::validate`]).
    pub const fn new(p: usize, d: usize, q: usize) -> Self {
        ArimaOrder {
            p,
            d,
            q,
            seasonal: SeasonalOrder::NONE,
        }
    }

    /// The same order with the seasonal part `(P, D, Q, s)` (statsmodels'
    /// `seasonal_order`).
    ///
    /// ```
    /// use stratos_strategies::arima::ArimaOrder;
    /// let airline = ArimaOrder::new(0, 1, 1).with_seasonal(0, 1, 1, 12);
    /// assert_eq!(airline.to_string(), "(0, 1, 1)x(0, 1, 1, 12)");
    /// assert_eq!(airline.n_params(), 3); // ma.L1, ma.S.L12, sigma2
    /// ```
    pub const fn with_seasonal(mut self, p: usize, d: usize, q: usize, s: usize) -> Self {
        self.seasonal = SeasonalOrder::new(p, d, q, s);
        self
    }

    /// The differencing of the state-space form.
    pub(crate) const fn integration(&self) -> Integration {
        Integration {
            d: self.d,
            sd: self.seasonal.d,
            s: self.seasonal.s,
        }
    }

    /// Degree of the expanded AR polynomial `φ(L)Φ(L^s)`: `p + s·P`.
    pub(crate) const fn ar_lags(&self) -> usize {
        self.p + self.seasonal.s * self.seasonal.p
    }

    /// Degree of the expanded MA polynomial `θ(L)Θ(L^s)`: `q + s·Q`.
    pub(crate) const fn ma_lags(&self) -> usize {
        self.q + self.seasonal.s * self.seasonal.q
    }

    /// The number of leading observations whose log densities are dropped, `d + s·D`
    /// (statsmodels' `loglikelihood_burn`).
    pub const fn burn(&self) -> usize {
        self.d + self.seasonal.s * self.seasonal.d
    }

    /// statsmodels' names of the parameters, in order: `const` (when d + D = 0),
    /// `ar.L1..`, `ma.L1..`, `ar.S.L{s}..`, `ma.S.L{s}..`, `sigma2`.
    pub fn param_names(&self) -> Vec<String> {
        let s = self.seasonal.s;
        let mut v = Vec::new();
        if self.has_constant() {
            v.push("const".to_owned());
        }
        v.extend((1..=self.p).map(|i| format!("ar.L{i}")));
        v.extend((1..=self.q).map(|i| format!("ma.L{i}")));
        v.extend((1..=self.seasonal.p).map(|i| format!("ar.S.L{}", i * s)));
        v.extend((1..=self.seasonal.q).map(|i| format!("ma.S.L{}", i * s)));
        v.push("sigma2".to_owned());
        v
    }

    /// Checks `p ≤ 10`, `q ≤ 10`, `d ≤ 2`.
    ///
    /// # Errors
    /// [`ArimaError::InvalidOrder`] naming the limit that is exceeded.
    pub fn validate(&self) -> Result<(), ArimaError> {
        let bad = |reason: &str| ArimaError::InvalidOrder {
            p: self.p,
            d: self.d,
            q: self.q,
            reason: reason.to_owned(),
        };
        if self.p > MAX_LAG {
            return Err(bad("p must be at most 10"));
        }
        if self.q > MAX_LAG {
            return Err(bad("q must be at most 10"));
        }
        if self.d > MAX_D {
            return Err(bad("d must be at most 2"));
        }
        let so = self.seasonal;
        if !so.is_none() {
            if so.s < 2 {
                return Err(bad("the seasonal period s must be at least 2"));
            }
            if so.s > MAX_PERIOD {
                return Err(bad("the seasonal period s must be at most 1000"));
            }
            if so.p > MAX_LAG || so.q > MAX_LAG {
                return Err(bad("P and Q must be at most 10"));
            }
            if so.d > MAX_D {
                return Err(bad("D must be at most 2"));
            }
            if so.p > 0 && self.p >= so.s {
                return Err(bad(
                    "AR lags overlap: p must be below the seasonal period s when P > 0",
                ));
            }
            if so.q > 0 && self.q >= so.s {
                return Err(bad(
                    "MA lags overlap: q must be below the seasonal period s when Q > 0",
                ));
            }
            if self.ar_lags().max(self.ma_lags() + 1) > MAX_SR {
                return Err(bad(
                    "the ARMA state max(p + s·P, q + s·Q + 1) must be at most 40",
                ));
            }
        }
        Ok(())
    }

    /// Whether the model has a constant: statsmodels' default trend, `'c'` when d = D = 0 and
    /// `'n'` otherwise.
    pub const fn has_constant(&self) -> bool {
        self.d + self.seasonal.d == 0
    }

    /// The number of estimated parameters, statsmodels' `df_model`: `p + q + P + Q + 1`
    /// (sigma2), plus 1 for the constant when d = D = 0.
    pub const fn n_params(&self) -> usize {
        self.p
            + self.q
            + self.seasonal.p
            + self.seasonal.q
            + 1
            + if self.has_constant() { 1 } else { 0 }
    }
}

/// Largest seasonal period accepted.
pub(crate) const MAX_PERIOD: usize = 1000;

impl fmt::Display for ArimaOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {}, {})", self.p, self.d, self.q)?;
        if !self.seasonal.is_none() {
            let s = self.seasonal;
            write!(f, "x({}, {}, {}, {})", s.p, s.d, s.q, s.s)?;
        }
        Ok(())
    }
}

/// How the likelihood treats the d integration states when d > 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffuseStart {
    /// statsmodels' default: the integration states `[y_{t-1}, Δy_{t-1}, …]` get the prior
    /// `N(0, 1e6)` in data units and the first d log densities are dropped. The likelihood
    /// depends (slightly) on the level of the series.
    #[default]
    Approximate,
    /// The exact likelihood of the d-times differenced series (statsmodels'
    /// `simple_differencing=True`): invariant to the level of the series.
    ExactDifferenced,
}

impl DiffuseStart {
    pub(crate) fn kalman(self) -> Start {
        match self {
            DiffuseStart::Approximate => Start::Approximate,
            DiffuseStart::ExactDifferenced => Start::Differenced,
        }
    }
}

/// The parameters of an ARIMA model, in statsmodels' order `const, ar.L1..p, ma.L1..q,
/// ar.S.L{s}..P, ma.S.L{s}..Q, sigma2`.
///
/// ```text
/// d = 0:  y_t = const + u_t,  φ(L) u_t = θ(L) e_t       (const is the process mean)
/// d > 0:  φ(L) Δ^d y_t = θ(L) e_t                        (no constant)
/// φ(L) = 1 − ar₁ L − … − ar_p L^p,   θ(L) = 1 + ma₁ L + … + ma_q L^q,   e_t ~ N(0, sigma2)
/// seasonal: φ(L)Φ(L^s) (1 − L)^d (1 − L^s)^D y_t = θ(L)Θ(L^s) e_t, with
/// Φ(L^s) = 1 − Σ sar_j L^{sj},  Θ(L^s) = 1 + Σ sma_j L^{sj}   (const only when d = D = 0)
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArimaParams {
    /// The process mean when d = 0 (statsmodels' `const`); `None` when d > 0.
    pub constant: Option<f64>,
    /// AR coefficients `ar.L1..ar.Lp`.
    pub ar: Vec<f64>,
    /// MA coefficients `ma.L1..ma.Lq`.
    pub ma: Vec<f64>,
    /// Seasonal AR coefficients `ar.S.L{s}..ar.S.L{Ps}` (empty without a seasonal part).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seasonal_ar: Vec<f64>,
    /// Seasonal MA coefficients `ma.S.L{s}..ma.S.L{Qs}` (empty without a seasonal part).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seasonal_ma: Vec<f64>,
    /// Innovation variance.
    pub sigma2: f64,
}

impl ArimaParams {
    /// The parameters as one vector in statsmodels' order (`const`, `ar`, `ma`,
    /// `seasonal_ar`, `seasonal_ma`, `sigma2`).
    pub fn to_vec(&self) -> Vec<f64> {
        let mut v = Vec::with_capacity(
            self.ar.len() + self.ma.len() + self.seasonal_ar.len() + self.seasonal_ma.len() + 2,
        );
        v.extend(self.constant);
        v.extend(&self.ar);
        v.extend(&self.ma);
        v.extend(&self.seasonal_ar);
        v.extend(&self.seasonal_ma);
        v.push(self.sigma2);
        v
    }

    /// [`ArimaParams::to_vec`] as an ndarray vector (statsmodels' `params`), in the order of
    /// [`FittedArima::cov_params`]'s rows and columns.
    ///
    /// # Examples
    /// ```
    /// use stratos_strategies::arima::ArimaParams;
    /// let p = ArimaParams { constant: Some(0.5), ar: vec![0.3], ma: vec![], seasonal_ar: vec![], seasonal_ma: vec![], sigma2: 2.0 };
    /// assert_eq!(p.to_array(), ndarray::array![0.5, 0.3, 2.0]);
    /// ```
    pub fn to_array(&self) -> Array1<f64> {
        Array1::from(self.to_vec())
    }

    /// statsmodels' names for [`ArimaParams::to_vec`]'s entries of a non-seasonal model
    /// (`const`, `ar.L1`, …, `ma.L1`, …, `sigma2`). Seasonal lags depend on the period: use
    /// [`ArimaOrder::param_names`] (the seasonal entries are named here by their index,
    /// `ar.S.1`, `ma.S.1`, …).
    pub fn names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.constant.is_some() {
            v.push("const".to_owned());
        }
        v.extend((1..=self.ar.len()).map(|i| format!("ar.L{i}")));
        v.extend((1..=self.ma.len()).map(|i| format!("ma.L{i}")));
        v.extend((1..=self.seasonal_ar.len()).map(|i| format!("ar.S.{i}")));
        v.extend((1..=self.seasonal_ma.len()).map(|i| format!("ma.S.{i}")));
        v.push("sigma2".to_owned());
        v
    }

    /// The expanded AR and MA polynomials of the state-space form: `φ*` with
    /// `1 − Σ φ*_k L^k = φ(L)Φ(L^s)` and `θ*` with `1 + Σ θ*_k L^k = θ(L)Θ(L^s)`.
    pub(crate) fn expanded(&self, s: usize) -> (Vec<f64>, Vec<f64>) {
        let mut ar = vec![0.0; self.ar.len() + s * self.seasonal_ar.len()];
        let mut ma = vec![0.0; self.ma.len() + s * self.seasonal_ma.len()];
        expand(&self.ar, &self.seasonal_ar, s, -1.0, &mut ar);
        expand(&self.ma, &self.seasonal_ma, s, 1.0, &mut ma);
        (ar, ma)
    }

    /// Checks the parameters against `order`: lengths, a constant exactly when d = 0, finite
    /// values, `sigma2 > 0`, a stationary AR polynomial. (Non-invertible MA polynomials are
    /// allowed: the exact likelihood is defined for them.)
    ///
    /// # Errors
    /// [`ArimaError::InvalidParams`] naming the field.
    pub fn validate(&self, order: ArimaOrder) -> Result<(), ArimaError> {
        if self.ar.len() != order.p {
            return Err(ArimaError::invalid(
                "ar",
                format!("{:?}", self.ar),
                format!("{} coefficients", order.p),
            ));
        }
        if self.ma.len() != order.q {
            return Err(ArimaError::invalid(
                "ma",
                format!("{:?}", self.ma),
                format!("{} coefficients", order.q),
            ));
        }
        if self.seasonal_ar.len() != order.seasonal.p {
            return Err(ArimaError::invalid(
                "seasonal_ar",
                format!("{:?}", self.seasonal_ar),
                format!("{} coefficients", order.seasonal.p),
            ));
        }
        if self.seasonal_ma.len() != order.seasonal.q {
            return Err(ArimaError::invalid(
                "seasonal_ma",
                format!("{:?}", self.seasonal_ma),
                format!("{} coefficients", order.seasonal.q),
            ));
        }
        if let Some(v) = self
            .seasonal_ar
            .iter()
            .chain(&self.seasonal_ma)
            .find(|v| !v.is_finite())
        {
            return Err(ArimaError::invalid(
                "seasonal_ar/seasonal_ma",
                v,
                "finite coefficients",
            ));
        }
        if !is_stationary(&self.seasonal_ar) {
            return Err(ArimaError::invalid(
                "seasonal_ar",
                format!("{:?}", self.seasonal_ar),
                "a stationary seasonal AR polynomial (all roots outside the unit circle)",
            ));
        }
        match (order.has_constant(), self.constant) {
            (true, None) => {
                return Err(ArimaError::invalid(
                    "const",
                    "None",
                    "a constant (the process mean) when d = D = 0",
                ));
            }
            (false, Some(c)) => {
                return Err(ArimaError::invalid(
                    "const",
                    c,
                    "no constant when d + D > 0 (statsmodels' trend 'n')",
                ));
            }
            (true, Some(c)) if !c.is_finite() => {
                return Err(ArimaError::invalid("const", c, "a finite number"));
            }
            _ => {}
        }
        if let Some(v) = self.ar.iter().find(|v| !v.is_finite()) {
            return Err(ArimaError::invalid("ar", v, "finite coefficients"));
        }
        if let Some(v) = self.ma.iter().find(|v| !v.is_finite()) {
            return Err(ArimaError::invalid("ma", v, "finite coefficients"));
        }
        if !(self.sigma2 > 0.0 && self.sigma2.is_finite()) {
            return Err(ArimaError::invalid(
                "sigma2",
                self.sigma2,
                "a positive finite variance",
            ));
        }
        if !is_stationary(&self.ar) {
            return Err(ArimaError::invalid(
                "ar",
                format!("{:?}", self.ar),
                "a stationary AR polynomial (all roots outside the unit circle)",
            ));
        }
        Ok(())
    }
}

/// An ARIMA(p, d, q) model: the configuration of a fit. Building one never fails; the order
/// is checked by [`Arima::try_new`] or when the model is used.
///
/// # Examples
/// ```
/// # fn main() -> Result<(), stratos_strategies::arima::ArimaError> {
/// use stratos_strategies::arima::{Arima, ArimaOrder};
/// let y: Vec<f64> = (0..200).map(|t| 10.0 + ((t * 37 % 101) as f64 / 50.0 - 1.0)).collect();
/// let fitted = Arima::try_new(ArimaOrder::new(1, 0, 0))?.fit(&y)?;
/// assert!(fitted.converged());
/// let fc = fitted.forecast(5, 0.05)?;
/// assert_eq!(fc.mean.len(), 5);
/// assert!(fc.lower[0] < fc.mean[0] && fc.mean[0] < fc.upper[0]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Arima {
    order: ArimaOrder,
    start: DiffuseStart,
    max_iters: u64,
    grad_tol: f64,
}

impl Arima {
    /// The model of `order` with statsmodels' defaults ([`DiffuseStart::Approximate`]).
    pub fn new(order: ArimaOrder) -> Self {
        Arima {
            order,
            start: DiffuseStart::Approximate,
            max_iters: 500,
            grad_tol: 1e-8,
        }
    }

    /// Like [`Arima::new`], checking the order first.
    ///
    /// # Errors
    /// [`ArimaError::InvalidOrder`] when p or q exceeds 10 or d exceeds 2.
    pub fn try_new(order: ArimaOrder) -> Result<Self, ArimaError> {
        order.validate()?;
        Ok(Arima::new(order))
    }

    /// Sets how the d integration states start (default [`DiffuseStart::Approximate`]).
    pub fn with_start(mut self, start: DiffuseStart) -> Self {
        self.start = start;
        self
    }

    /// Sets the L-BFGS iteration budget (default 500, at least 1).
    pub fn with_max_iters(mut self, max_iters: u64) -> Self {
        self.max_iters = max_iters.max(1);
        self
    }

    /// Sets the gradient-norm tolerance of the optimizer, on `−log L / (n − d)` in the
    /// unconstrained parameters (default `1e-8`; NaN or negative values keep the default).
    pub fn with_gradient_tolerance(mut self, tol: f64) -> Self {
        if tol >= 0.0 {
            self.grad_tol = tol;
        }
        self
    }

    /// The order.
    pub fn order(&self) -> ArimaOrder {
        self.order
    }

    /// The start of the integration states.
    pub fn start(&self) -> DiffuseStart {
        self.start
    }

    pub(crate) fn max_iters(&self) -> u64 {
        self.max_iters
    }

    pub(crate) fn grad_tol(&self) -> f64 {
        self.grad_tol
    }

    /// Checks the order and the series: every value finite, and at least `needed` of them.
    pub(crate) fn check_series(&self, y: &[f64], needed: usize) -> Result<(), ArimaError> {
        self.order.validate()?;
        if let Some((index, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ArimaError::NonFinite { index, value });
        }
        if y.len() < needed {
            return Err(ArimaError::TooFewObservations {
                order: self.order.to_string(),
                needed,
                got: y.len(),
            });
        }
        Ok(())
    }

    /// The exact Gaussian log-likelihood of `y` at `params`, statsmodels'
    /// `ARIMA(y, order).loglike(params)`:
    ///
    /// ```text
    /// log L = −½ Σ_{t ≥ d} (ln 2π + ln F_t + v_t² / F_t)
    /// ```
    ///
    /// with `v_t`, `F_t` the Kalman filter's one-step prediction errors and variances (see
    /// the module docs for the state-space form and the start).
    ///
    /// # Errors
    /// [`ArimaError::InvalidOrder`], [`ArimaError::NonFinite`],
    /// [`ArimaError::TooFewObservations`] (fewer than d + 1 values),
    /// [`ArimaError::InvalidParams`] (see [`ArimaParams::validate`]).
    ///
    /// # Examples
    /// ```
    /// # fn main() -> Result<(), stratos_strategies::arima::ArimaError> {
    /// use stratos_strategies::arima::{Arima, ArimaOrder, ArimaParams};
    /// // White noise with mean 0 and variance 1: log L = −½ Σ (ln 2π + y_t²).
    /// let y = [0.5, -1.0, 0.25];
    /// let params = ArimaParams { constant: Some(0.0), ar: vec![], ma: vec![], seasonal_ar: vec![], seasonal_ma: vec![], sigma2: 1.0 };
    /// let llf = Arima::new(ArimaOrder::new(0, 0, 0)).loglike(&y, &params)?;
    /// let expected: f64 = y.iter().map(|v| -0.5 * ((2.0 * std::f64::consts::PI).ln() + v * v)).sum();
    /// assert!((llf - expected).abs() < 1e-12);
    /// # Ok(()) }
    /// ```
    pub fn loglike<'a>(
        &self,
        y: impl Into<ArrayView1<'a, f64>>,
        params: &ArimaParams,
    ) -> Result<f64, ArimaError> {
        let y = contiguous(y.into());
        let y: &[f64] = &y;
        self.check_series(y, self.order.burn() + 1)?;
        params.validate(self.order)?;
        let integ = self.order.integration();
        let w = integ.difference(y);
        let data = Data {
            y,
            w: &w,
            integ,
            start: self.start.kalman(),
        };
        let sys = params.system(self.order);
        let out = kalman::filter(&data, &sys, params.constant, &mut kalman::NoRecord)
            .map_err(likelihood::filter_error)?;
        finite_llf(out.loglike())
    }

    /// Runs the filter at `params` without optimising: a [`FittedArima`] with the
    /// likelihood, criteria, in-sample predictions, residuals and forecasts at exactly these
    /// parameters (`converged` is true, `iterations` 0).
    ///
    /// # Errors
    /// As [`Arima::loglike`].
    pub fn filter<'a>(
        &self,
        y: impl Into<ArrayView1<'a, f64>>,
        params: &ArimaParams,
    ) -> Result<FittedArima, ArimaError> {
        let y = contiguous(y.into());
        let y: &[f64] = &y;
        self.check_series(y, self.order.burn() + 1)?;
        params.validate(self.order)?;
        build_fitted(
            self,
            y,
            params.clone(),
            Convergence {
                converged: true,
                iterations: 0,
                termination: "not optimised: parameters given".to_owned(),
            },
        )
    }

    /// Fits the model by maximum likelihood, as statsmodels' `ARIMA(y, order).fit()`:
    /// L-BFGS (argmin, More–Thuente line search) on `−log L / (n − d)` with exact gradients
    /// (forward-mode dual numbers through the Kalman filter), in the unconstrained space of
    /// statsmodels' `transform_params` (stationary AR, invertible MA), with `log sigma2` and
    /// `(const − mean(y)) / std(y)`, so the fit does not depend on the scale of the data.
    /// Multi-start: a descent from statsmodels' `start_params`, from the conditional-sum-of-
    /// squares optimum, from Hannan–Rissanen and from zero AR / MA coefficients (a start that
    /// is not stationary / invertible falls back to zero), keeping the highest likelihood; then,
    /// when a polynomial's last partial autocorrelation at that point is close to ±1 but not
    /// saturated, a descent from that point with the polynomial pushed toward the unit circle
    /// (at most two such rounds), for optima on the boundary of the stationary / invertible
    /// region. [`FittedArima::converged`] is the gradient test at the returned point.
    ///
    /// # Errors
    /// [`ArimaError::InvalidOrder`], [`ArimaError::NonFinite`],
    /// [`ArimaError::TooFewObservations`] (fewer than `d + k + 2` values, k =
    /// [`ArimaOrder::n_params`]), [`ArimaError::ConstantSeries`] (no variation after
    /// differencing), [`ArimaError::Numerical`] (no finite likelihood anywhere the optimizer
    /// went).
    pub fn fit<'a>(&self, y: impl Into<ArrayView1<'a, f64>>) -> Result<FittedArima, ArimaError> {
        let y = contiguous(y.into());
        let y: &[f64] = &y;
        self.check_series(y, self.order.burn() + self.order.n_params() + 2)?;
        let (params, conv) = likelihood::fit(self, y)?;
        build_fitted(self, y, params, conv)
    }
}

/// Writes into `out` the expanded coefficients of `(1 + sign Σ a_i L^i)(1 + sign Σ b_j
/// L^{sj})` as `1 + sign Σ out_k L^k`: `out_i = a_i`, `out_{sj} = b_j`, `out_{i+sj} = sign ·
/// a_i b_j` (the lags never overlap: p < s when P > 0). `sign` is −1 for AR polynomials and
/// +1 for MA polynomials; `out` is `a.len() + s·b.len()` long.
pub(crate) fn expand<S: crate::linalg::Real>(a: &[S], b: &[S], s: usize, sign: f64, out: &mut [S]) {
    out.iter_mut().for_each(|v| *v = S::cst(0.0));
    out[..a.len()].copy_from_slice(a);
    for (j, bj) in b.iter().enumerate() {
        let lag = s * (j + 1);
        out[lag - 1] += *bj;
        for (i, ai) in a.iter().enumerate() {
            out[lag + i] += *ai * *bj * sign;
        }
    }
}

impl ArimaParams {
    /// The ARMA block of the state-space form for `order`.
    pub(crate) fn system(&self, order: ArimaOrder) -> ArmaSs<f64> {
        if order.seasonal.is_none() {
            ArmaSs::new(&self.ar, &self.ma, self.sigma2)
        } else {
            let (ar, ma) = self.expanded(order.seasonal.s);
            ArmaSs::new(&ar, &ma, self.sigma2)
        }
    }
}

#[cfg(test)]
mod tests;
