//! Maximum likelihood: the objective in statsmodels' unconstrained parameter space, its exact
//! gradient (forward-mode dual numbers through the filter), statsmodels' CSS starting values,
//! and the argmin L-BFGS driver.
//!
//! ```text
//! x = [c?, u_ar (p), u_ma (q), s]
//! const  = mean(y) + std(y) · c                    (d = 0 only)
//! ar     = constrain_stationary(u_ar)              (statsmodels SARIMAX.transform_params)
//! ma     = −constrain_stationary(u_ma)
//! sigma2 = exp(s)
//! cost(x) = −log L(params(x)) / (n − d)
//! ```
//!
//! The `const` and `sigma2` maps make the problem invariant to the scale of the data (for
//! d = 0 exactly; for d > 0 up to the fixed 1e6 prior variance), unlike statsmodels' own
//! parameterisation (`sigma2 = s²`, raw const), whose loose stopping rule is why its fits
//! can stop short (CONVENTIONS.md §7).
//!
//! The start values (conditional sum of squares) are in `start`, the L-BFGS driver and the
//! multi-start fit in `optimize`.

mod optimize;
mod start;
#[cfg(test)]
mod tests;

use super::constrain::{constrain_stationary, is_stationary, unconstrain_stationary};
use super::error::ArimaError;
use super::kalman::{self, ArmaSs, Data, FilterError, MAX_R, MAX_SR, NoRecord};
use super::model::{Arima, ArimaParams, expand};
use crate::linalg::{Dual, Real};

/// A filter failure as an [`ArimaError`].
use start::{css, css_lags};

pub(crate) use optimize::fit;

pub(crate) fn filter_error(e: FilterError) -> ArimaError {
    match e {
        FilterError::NotStationary => ArimaError::invalid(
            "ar",
            "(given)",
            "a stationary AR polynomial (the state has no stationary distribution)",
        ),
        FilterError::BadVariance => ArimaError::Numerical {
            message: "a one-step prediction variance is not positive and finite".to_owned(),
        },
    }
}

/// The negative mean log-likelihood as a function of the unconstrained parameters.
#[derive(Debug)]
pub(crate) struct Objective<'a> {
    data: Data<'a>,
    p: usize,
    q: usize,
    /// Seasonal AR order P.
    sp: usize,
    /// Seasonal MA order Q.
    sq: usize,
    /// Seasonal period (0 without a seasonal part).
    s: usize,
    has_const: bool,
    mean: f64,
    scale: f64,
    /// Conditional sum of squares instead of the exact likelihood (the CSS start).
    css: bool,
}

impl<'a> Objective<'a> {
    /// The objective for `model` on `y` with `w = Δ^d y`.
    pub(crate) fn new(model: &Arima, y: &'a [f64], w: &'a [f64]) -> Self {
        let order = model.order();
        let (mean, scale) = mean_std(y);
        Objective {
            data: Data {
                y,
                w,
                integ: order.integration(),
                start: model.start().kalman(),
            },
            p: order.p,
            q: order.q,
            sp: order.seasonal.p,
            sq: order.seasonal.q,
            s: order.seasonal.s,
            has_const: order.has_constant(),
            mean,
            scale: if scale > 0.0 { scale } else { 1.0 },
            css: false,
        }
    }

    /// The same problem with the conditional-sum-of-squares objective (see
    /// [`Objective::css_llf`]).
    fn css_objective(&self) -> Objective<'a> {
        Objective {
            data: self.data,
            css: true,
            ..*self
        }
    }

    /// The concentrated conditional log-likelihood `−m/2 · ln(SSE/m)` (constants dropped),
    /// with the conditional residuals of R's `arima(method = "CSS")`: `x_t = w_t − c`,
    /// `e_t = x_t − Σ φ_i x_{t−i} − Σ θ_j e_{t−j}` for `t ≥ p`, `e_t = 0` before, over the
    /// `m = n − d − p` terms. sigma2 does not enter (its estimate is `SSE/m`).
    fn css_llf<S: Real>(&self, ar: &[S], ma: &[S], offset: Option<S>) -> Result<S, FilterError> {
        let w = self.data.w;
        let p = ar.len();
        let n = w.len();
        if n <= p {
            return Err(FilterError::BadVariance);
        }
        let off = offset.unwrap_or(S::cst(0.0));
        let x: Vec<S> = w.iter().map(|&v| -off + v).collect();
        let mut e = vec![S::cst(0.0); n];
        let mut sse = S::cst(0.0);
        for t in p..n {
            let mut v = x[t];
            for (i, a) in ar.iter().enumerate() {
                v -= *a * x[t - 1 - i];
            }
            for (j, m) in ma.iter().enumerate() {
                if t > j {
                    v -= *m * e[t - 1 - j];
                }
            }
            e[t] = v;
            sse += v * v;
        }
        let m = (n - p) as f64;
        if !(sse.val() > 0.0 && sse.val().is_finite()) {
            return Err(FilterError::BadVariance);
        }
        Ok((sse * (1.0 / m)).ln() * (-0.5 * m))
    }

    /// Number of free parameters.
    pub(crate) fn k(&self) -> usize {
        usize::from(self.has_const) + self.p + self.q + self.sp + self.sq + 1
    }

    /// Whether the model has a seasonal ARMA part.
    fn seasonal_arma(&self) -> bool {
        self.sp + self.sq > 0
    }

    /// Degree of the expanded AR polynomial.
    fn ar_lags(&self) -> usize {
        self.p + self.s * self.sp
    }

    fn n_eff(&self) -> f64 {
        self.data.w.len() as f64
    }

    /// The log-likelihood at `x` (any scalar type).
    fn llf<S: Real>(&self, x: &[S]) -> Result<S, FilterError> {
        let c0 = usize::from(self.has_const);
        let offset = self.has_const.then(|| x[0] * self.scale + self.mean);
        let mut ar = [S::cst(0.0); MAX_R];
        let mut ma = [S::cst(0.0); MAX_R];
        constrain_stationary(&x[c0..c0 + self.p], &mut ar[..self.p]);
        constrain_stationary(&x[c0 + self.p..c0 + self.p + self.q], &mut ma[..self.q]);
        for m in &mut ma[..self.q] {
            *m = -*m;
        }
        if self.seasonal_arma() {
            return self.seasonal_llf(x, &ar[..self.p], &ma[..self.q], offset);
        }
        if self.css {
            return self.css_llf(&ar[..self.p], &ma[..self.q], offset);
        }
        let sigma2 = x[c0 + self.p + self.q].exp();
        if !(sigma2.val() > 0.0 && sigma2.val().is_finite()) {
            return Err(FilterError::BadVariance);
        }
        let sys = ArmaSs::new(&ar[..self.p], &ma[..self.q], sigma2);
        let out = kalman::filter(&self.data, &sys, offset, &mut NoRecord)?;
        Ok(out.loglike())
    }

    /// [`Objective::llf`] of a model with seasonal AR or MA terms: the seasonal
    /// polynomials are constrained separately (statsmodels' `transform_params`) and
    /// multiplied into the regular ones.
    fn seasonal_llf<S: Real>(
        &self,
        x: &[S],
        ar: &[S],
        ma: &[S],
        offset: Option<S>,
    ) -> Result<S, FilterError> {
        let c0 = usize::from(self.has_const) + self.p + self.q;
        let mut sar = [S::cst(0.0); MAX_R];
        let mut sma = [S::cst(0.0); MAX_R];
        constrain_stationary(&x[c0..c0 + self.sp], &mut sar[..self.sp]);
        constrain_stationary(
            &x[c0 + self.sp..c0 + self.sp + self.sq],
            &mut sma[..self.sq],
        );
        for m in &mut sma[..self.sq] {
            *m = -*m;
        }
        let (na, nm) = (self.ar_lags(), self.q + self.s * self.sq);
        let mut ear = [S::cst(0.0); MAX_SR];
        let mut ema = [S::cst(0.0); MAX_SR];
        if na > MAX_SR || nm >= MAX_SR {
            return Err(FilterError::NotStationary);
        }
        expand(ar, &sar[..self.sp], self.s, -1.0, &mut ear[..na]);
        expand(ma, &sma[..self.sq], self.s, 1.0, &mut ema[..nm]);
        if self.css {
            return self.css_llf(&ear[..na], &ema[..nm], offset);
        }
        let sigma2 = x[c0 + self.sp + self.sq].exp();
        if !(sigma2.val() > 0.0 && sigma2.val().is_finite()) {
            return Err(FilterError::BadVariance);
        }
        let sys = ArmaSs::new(&ear[..na], &ema[..nm], sigma2);
        let out = kalman::filter(&self.data, &sys, offset, &mut NoRecord)?;
        Ok(out.loglike())
    }

    /// `−log L / (n − d)` at `x`; `+∞` where the likelihood is not defined.
    pub(crate) fn cost(&self, x: &[f64]) -> f64 {
        match self.llf(x) {
            Ok(l) if l.is_finite() => -l / self.n_eff(),
            _ => f64::INFINITY,
        }
    }

    /// The cost and its exact gradient (into `grad`): one dual-number pass for up to 6
    /// parameters, else one per 8.
    pub(crate) fn cost_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let k = x.len();
        // Exactly as many derivative lanes as parameters up to 6 (one monomorphisation each):
        // a spare lane costs its share of every covariance entry's arithmetic (the airline
        // model has 3 parameters, ARIMA(2,1,2) 5; with 4 and 6 lanes their fits took ~10%
        // more instructions).
        match k {
            0..=2 => self.cost_grad_chunk::<2>(x, 0, grad),
            3 => self.cost_grad_chunk::<3>(x, 0, grad),
            4 => self.cost_grad_chunk::<4>(x, 0, grad),
            5 => self.cost_grad_chunk::<5>(x, 0, grad),
            6 => self.cost_grad_chunk::<6>(x, 0, grad),
            _ => {
                let mut cost = f64::INFINITY;
                let mut start = 0;
                while start < k {
                    cost = self.cost_grad_chunk::<8>(x, start, grad);
                    if !cost.is_finite() {
                        break;
                    }
                    start += 8;
                }
                cost
            }
        }
    }

    fn cost_grad_chunk<const N: usize>(&self, x: &[f64], start: usize, grad: &mut [f64]) -> f64 {
        let xd: Vec<Dual<N>> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| Dual::var(v, i.wrapping_sub(start)))
            .collect();
        let n = self.n_eff();
        match self.llf(&xd) {
            Ok(l) if l.v.is_finite() && l.d.iter().all(|g| g.is_finite()) => {
                for (lane, g) in grad.iter_mut().skip(start).take(N).enumerate() {
                    *g = -l.d[lane] / n;
                }
                -l.v / n
            }
            _ => {
                grad.iter_mut().for_each(|g| *g = 0.0);
                f64::INFINITY
            }
        }
    }

    /// The model parameters at `x`.
    pub(crate) fn params(&self, x: &[f64]) -> ArimaParams {
        let c0 = usize::from(self.has_const);
        let mut ar = vec![0.0; self.p];
        let mut ma = vec![0.0; self.q];
        constrain_stationary(&x[c0..c0 + self.p], &mut ar);
        constrain_stationary(&x[c0 + self.p..c0 + self.p + self.q], &mut ma);
        ma.iter_mut().for_each(|m| *m = -*m);
        let c1 = c0 + self.p + self.q;
        let mut seasonal_ar = vec![0.0; self.sp];
        let mut seasonal_ma = vec![0.0; self.sq];
        constrain_stationary(&x[c1..c1 + self.sp], &mut seasonal_ar);
        constrain_stationary(&x[c1 + self.sp..c1 + self.sp + self.sq], &mut seasonal_ma);
        seasonal_ma.iter_mut().for_each(|m| *m = -*m);
        ArimaParams {
            constant: self.has_const.then(|| self.mean + self.scale * x[0]),
            ar,
            ma,
            seasonal_ar,
            seasonal_ma,
            sigma2: x[c1 + self.sp + self.sq].exp(),
        }
    }

    /// The unconstrained point of `params`, or `None` when the AR part is not stationary or
    /// the MA part not invertible.
    pub(crate) fn unconstrain(&self, params: &ArimaParams) -> Option<Vec<f64>> {
        let mut x = Vec::with_capacity(self.k());
        if self.has_const {
            x.push((params.constant.unwrap_or(self.mean) - self.mean) / self.scale);
        }
        x.extend(unconstrain_stationary(&params.ar)?);
        let neg: Vec<f64> = params.ma.iter().map(|m| -m).collect();
        x.extend(unconstrain_stationary(&neg)?);
        x.extend(unconstrain_stationary(&params.seasonal_ar)?);
        let neg: Vec<f64> = params.seasonal_ma.iter().map(|m| -m).collect();
        x.extend(unconstrain_stationary(&neg)?);
        let s = params.sigma2.ln();
        s.is_finite().then(|| {
            x.push(s);
            x
        })
    }

    /// statsmodels' `SARIMAX.start_params`: OLS for the constant (the mean), then
    /// `_conditional_sum_squares` on the (differenced, demeaned) series — an AR(2q) fit for
    /// residuals, then a regression of `w_t` on `w_{t-1..t-p}` and those residuals at lags
    /// 1..q over `t ≥ max(3q, p)` — with zeros for a non-stationary AR or non-invertible MA
    /// estimate, and the residual variance (over all but the first q residuals) for sigma2.
    ///
    /// With a seasonal part, statsmodels' second `_conditional_sum_squares` call: the same
    /// regressions on the (differenced, not demeaned) series at the seasonal lags `s, …, Ps`
    /// and `s, …, Qs` (the residual autoregression of order `2sQ`), zeros when not stationary
    /// / invertible; its variance is used only when the regular part has no parameters.
    pub(crate) fn start(&self) -> ArimaParams {
        let mut out = self.regression_start(2 * self.q);
        if self.seasonal_arma() {
            let s = self.s;
            let w = self.data.w;
            let ar_lags: Vec<usize> = (1..=self.sp).map(|j| j * s).collect();
            let ma_lags: Vec<usize> = (1..=self.sq).map(|j| j * s).collect();
            let (k_ar, k_ma) = (s * self.sp, s * self.sq);
            let fit = css_lags(w, &ar_lags, &ma_lags, k_ar, k_ma, 2 * k_ma);
            let (mut sar, mut sma, var) = fit.unwrap_or_else(|| {
                let mut ww = w.to_vec();
                if ww.is_empty() {
                    ww.push(1.0);
                }
                (
                    vec![0.0; self.sp],
                    vec![0.0; self.sq],
                    mean_std(&ww).1.powi(2),
                )
            });
            if !is_stationary(&sar) {
                sar.iter_mut().for_each(|v| *v = 0.0);
            }
            let neg: Vec<f64> = sma.iter().map(|m| -m).collect();
            if !is_stationary(&neg) {
                sma.iter_mut().for_each(|v| *v = 0.0);
            }
            out.seasonal_ar = sar;
            out.seasonal_ma = sma;
            // statsmodels: the regular CSS has no residuals (and so no variance) when it has
            // no parameters and no trend.
            if self.p + self.q == 0 && !self.has_const && var > 0.0 && var.is_finite() {
                out.sigma2 = var.max(1e-10);
            }
        }
        out
    }

    /// Hannan–Rissanen: the same two regressions with a long autoregression for the
    /// residuals, of order `max(⌊ln(n)²⌋, 2·max(p, q))` (statsmodels' `hannan_rissanen`
    /// default), capped at a third of the sample.
    fn hannan_rissanen(&self) -> ArimaParams {
        let n = self.data.w.len();
        let long = ((n as f64).ln().powi(2).floor() as usize).max(2 * self.p.max(self.q));
        self.regression_start(long.min(n / 3).max(self.q))
    }

    /// The two-regression start with an AR(`long`) for the residuals.
    fn regression_start(&self, long: usize) -> ArimaParams {
        let w: Vec<f64> = if self.has_const {
            self.data.w.iter().map(|v| v - self.mean).collect()
        } else {
            self.data.w.to_vec()
        };
        let (p, q) = (self.p, self.q);
        let second_moment = w.iter().map(|v| v * v).sum::<f64>() / w.len().max(1) as f64;
        let (mut ar, mut ma, mut sigma2) = css(&w, p, q, long).unwrap_or_else(|| {
            let var = if self.has_const {
                second_moment
            } else {
                mean_std(&w).1.powi(2)
            };
            (vec![0.0; p], vec![0.0; q], var)
        });
        if !is_stationary(&ar) {
            ar.iter_mut().for_each(|v| *v = 0.0);
        }
        let neg: Vec<f64> = ma.iter().map(|m| -m).collect();
        if !is_stationary(&neg) {
            ma.iter_mut().for_each(|v| *v = 0.0);
        }
        if !(sigma2 > 0.0 && sigma2.is_finite()) {
            sigma2 = second_moment;
        }
        if !(sigma2 > 0.0 && sigma2.is_finite()) {
            sigma2 = 1.0;
        }
        ArimaParams {
            constant: self.has_const.then_some(self.mean),
            ar,
            ma,
            seasonal_ar: vec![0.0; self.sp],
            seasonal_ma: vec![0.0; self.sq],
            sigma2,
        }
    }
}

/// Mean and population standard deviation.
fn mean_std(y: &[f64]) -> (f64, f64) {
    if y.is_empty() {
        return (0.0, 0.0);
    }
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}
