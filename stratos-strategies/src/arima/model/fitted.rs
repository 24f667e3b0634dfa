//! The fitted model: parameters, log-likelihood, criteria, in-sample predictions and
//! residuals, and the state forecasting starts from.

use super::*;

pub(super) fn finite_llf(llf: f64) -> Result<f64, ArimaError> {
    if llf.is_finite() {
        Ok(llf)
    } else {
        Err(ArimaError::Numerical {
            message: format!("the log-likelihood is not finite ({llf})"),
        })
    }
}

/// How the optimizer ended.
#[derive(Debug, Clone)]
pub(crate) struct Convergence {
    pub(crate) converged: bool,
    pub(crate) iterations: u64,
    pub(crate) termination: String,
}

/// Filters `y` at `params` and gathers everything a [`FittedArima`] holds.
pub(super) fn build_fitted(
    model: &Arima,
    y: &[f64],
    params: ArimaParams,
    conv: Convergence,
) -> Result<FittedArima, ArimaError> {
    let order = model.order;
    let d = order.burn();
    let integ = order.integration();
    let w = integ.difference(y);
    let data = Data {
        y,
        w: &w,
        integ,
        start: model.start.kalman(),
    };
    let sys = params.system(order);
    let mut rec = Innovations {
        v: Vec::with_capacity(y.len()),
    };
    let out =
        kalman::filter(&data, &sys, params.constant, &mut rec).map_err(likelihood::filter_error)?;
    let llf = finite_llf(out.loglike())?;
    let residuals = rec.v;
    let fitted: Vec<f64> = y.iter().zip(&residuals).map(|(y, v)| y - v).collect();
    let (mut abs_pct, mut n_pct, mut sse) = (0.0, 0usize, 0.0);
    for (yt, rt) in y.iter().zip(&residuals).skip(d) {
        sse += rt * rt;
        if *yt != 0.0 {
            abs_pct += (rt / yt).abs();
            n_pct += 1;
        }
    }
    let n_eff = y.len() - d;
    let mape = if n_pct > 0 {
        100.0 * abs_pct / n_pct as f64
    } else {
        0.0
    };
    let rmse = (sse / n_eff as f64).sqrt();
    let levels = integ.states_after(y);
    let state = out.a;
    let cov = out.p;
    Ok(FittedArima {
        order,
        start: model.start,
        params,
        llf,
        nobs: y.len(),
        nobs_effective: n_eff,
        k: order.n_params(),
        converged: conv.converged,
        iterations: conv.iterations,
        termination: conv.termination,
        fitted,
        residuals,
        mape,
        rmse,
        levels,
        state,
        cov,
    })
}

/// A fitted ARIMA model: parameters, log-likelihood, information criteria, in-sample
/// one-step predictions and residuals, how the optimizer ended, and what forecasting needs.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedArima {
    pub(crate) order: ArimaOrder,
    pub(crate) start: DiffuseStart,
    pub(crate) params: ArimaParams,
    pub(crate) llf: f64,
    pub(crate) nobs: usize,
    pub(crate) nobs_effective: usize,
    pub(crate) k: usize,
    pub(crate) converged: bool,
    pub(crate) iterations: u64,
    pub(crate) termination: String,
    pub(crate) fitted: Vec<f64>,
    pub(crate) residuals: Vec<f64>,
    pub(crate) mape: f64,
    pub(crate) rmse: f64,
    /// The integration states at time n: `Δ^i y_{n-1}`, i < d, then the seasonal blocks
    /// (see `kalman::Integration`).
    pub(crate) levels: Vec<f64>,
    /// Predicted ARMA state for time n.
    pub(crate) state: Vec<f64>,
    /// Its covariance, row-major r × r.
    pub(crate) cov: Vec<f64>,
}

impl FittedArima {
    /// The order.
    pub fn order(&self) -> ArimaOrder {
        self.order
    }

    /// The start of the integration states used.
    pub fn start(&self) -> DiffuseStart {
        self.start
    }

    /// The estimated (or given) parameters.
    pub fn params(&self) -> &ArimaParams {
        &self.params
    }

    /// The log-likelihood at [`FittedArima::params`] (statsmodels' `llf`).
    pub fn llf(&self) -> f64 {
        self.llf
    }

    /// The number of observations n.
    pub fn nobs(&self) -> usize {
        self.nobs
    }

    /// `n − d`, the number of terms in the likelihood (statsmodels' `nobs_effective`).
    pub fn nobs_effective(&self) -> usize {
        self.nobs_effective
    }

    /// The number of estimated parameters including sigma2 and the constant
    /// (statsmodels' `df_model`).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Akaike: `−2 log L + 2k`.
    pub fn aic(&self) -> f64 {
        -2.0 * self.llf + 2.0 * self.k as f64
    }

    /// Schwarz: `−2 log L + k ln(n − d)`.
    pub fn bic(&self) -> f64 {
        -2.0 * self.llf + self.k as f64 * (self.nobs_effective as f64).ln()
    }

    /// Corrected Akaike: `aic + 2k(k + 1) / (n − d − k − 1)` (infinite when the denominator
    /// is not positive).
    pub fn aicc(&self) -> f64 {
        let k = self.k as f64;
        let denom = self.nobs_effective as f64 - k - 1.0;
        if denom > 0.0 {
            self.aic() + 2.0 * k * (k + 1.0) / denom
        } else {
            f64::INFINITY
        }
    }

    /// Hannan–Quinn: `−2 log L + 2k ln ln(n − d)`.
    pub fn hqic(&self) -> f64 {
        -2.0 * self.llf + 2.0 * self.k as f64 * (self.nobs_effective as f64).ln().ln()
    }

    /// Whether the optimizer reached a stationary point (always true for
    /// [`Arima::filter`]).
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// L-BFGS iterations used, summed over the starts of the multi-start fit (0 for
    /// [`Arima::filter`]). A descent stopped on reaching an earlier start's optimum counts its
    /// objective evaluations instead (L-BFGS takes about one per iteration).
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Why the optimizer stopped (argmin's termination reason, in words).
    pub fn termination(&self) -> &str {
        &self.termination
    }

    /// One-step-ahead predictions of every `y_t` from `y_0..y_{t-1}` (levels). For d > 0 the
    /// first d come from the diffuse prior (about 0).
    pub fn fitted_values(&self) -> &[f64] {
        &self.fitted
    }

    /// `y_t − fitted_t` for every t (the Kalman filter's prediction errors).
    pub fn residuals(&self) -> &[f64] {
        &self.residuals
    }

    /// Mean absolute percentage error of the in-sample predictions, in percent:
    /// `100 · mean |r_t / y_t|` over `t ≥ d` with `y_t ≠ 0` (0 when there is no such t).
    pub fn mape(&self) -> f64 {
        self.mape
    }

    /// Root mean squared residual over `t ≥ d`.
    pub fn rmse(&self) -> f64 {
        self.rmse
    }
}
