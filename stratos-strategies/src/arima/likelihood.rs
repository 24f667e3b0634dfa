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

use std::cell::RefCell;

use argmin::core::{
    CostFunction, Error as ArgminError, Executor, Gradient, State, TerminationReason,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use super::constrain::{constrain_stationary, is_stationary, unconstrain_stationary};
use super::error::ArimaError;
use super::kalman::{self, ArmaSs, Data, FilterError, MAX_R, MAX_SR, NoRecord};
use super::model::{Arima, ArimaParams, Convergence, expand};
use crate::linalg::{Dual, Real, lstsq};

/// A filter failure as an [`ArimaError`].
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
        // The fewest derivative lanes that hold every parameter (one monomorphisation each).
        if k <= 2 {
            self.cost_grad_chunk::<2>(x, 0, grad)
        } else if k <= 4 {
            self.cost_grad_chunk::<4>(x, 0, grad)
        } else if k <= 6 {
            self.cost_grad_chunk::<6>(x, 0, grad)
        } else {
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

/// statsmodels' `_conditional_sum_squares` with the AR terms at `ar_lags` (largest `k_ar`)
/// and the MA terms at `ma_lags` (largest `k_ma`), an AR(`k`) for the residuals: the
/// regression over `t ≥ max(k + k_ma, k_ar)`, the variance over all but the first
/// `ma_lags.len()` residuals.
fn css_lags(
    w: &[f64],
    ar_lags: &[usize],
    ma_lags: &[usize],
    k_ar: usize,
    k_ma: usize,
    k: usize,
) -> Option<(Vec<f64>, Vec<f64>, f64)> {
    let n = w.len();
    let k = if k_ma > 0 { k } else { 0 };
    let r = (k + k_ma).max(k_ar);
    let resid = if k_ma > 0 {
        ar_residuals(w, k)?
    } else {
        vec![0.0; n]
    };
    let rows = n.checked_sub(r)?;
    let cols = ar_lags.len() + ma_lags.len();
    if rows == 0 || cols == 0 {
        return None;
    }
    let mut x = Vec::with_capacity(rows * cols);
    for t in r..n {
        x.extend(ar_lags.iter().map(|&j| w[t - j]));
        x.extend(ma_lags.iter().map(|&j| resid[t - j]));
    }
    let beta = lstsq(&x, rows, cols, &w[r..])?;
    let mut sse = 0.0;
    let mut count = 0usize;
    let nq = ma_lags.len();
    for (i, t) in (r..n).enumerate() {
        let fit: f64 = x[i * cols..(i + 1) * cols]
            .iter()
            .zip(&beta)
            .map(|(a, b)| a * b)
            .sum();
        if i >= nq {
            sse += (w[t] - fit).powi(2);
            count += 1;
        }
    }
    if count <= 1 {
        return None;
    }
    let p = ar_lags.len();
    Some((beta[..p].to_vec(), beta[p..].to_vec(), sse / count as f64))
}

/// The residuals of an AR(`k`) fitted to `w` by least squares (zero for the first `k`), the
/// stand-in for the MA innovations in statsmodels' conditional-sum-of-squares start.
fn ar_residuals(w: &[f64], k: usize) -> Option<Vec<f64>> {
    let n = w.len();
    let rows = n.checked_sub(k)?;
    let mut x = Vec::with_capacity(rows * k);
    for t in k..n {
        x.extend((1..=k).map(|j| w[t - j]));
    }
    let beta = lstsq(&x, rows, k, &w[k..])?;
    let mut resid = vec![0.0; n];
    for t in k..n {
        let fit: f64 = (1..=k).map(|j| beta[j - 1] * w[t - j]).sum();
        resid[t] = w[t] - fit;
    }
    Some(resid)
}

/// statsmodels' `_conditional_sum_squares` for an ARMA(p, q) without trend, with an AR(`k`)
/// for the residuals (statsmodels: `k = 2q`).
fn css(w: &[f64], p: usize, q: usize, k: usize) -> Option<(Vec<f64>, Vec<f64>, f64)> {
    if p + q == 0 {
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len().max(1) as f64;
        return Some((Vec::new(), Vec::new(), var));
    }
    let n = w.len();
    let k = if q > 0 { k } else { 0 };
    let r = (k + q).max(p);
    let resid = if q > 0 {
        ar_residuals(w, k)?
    } else {
        vec![0.0; n]
    };
    let rows = n.checked_sub(r)?;
    let cols = p + q;
    let mut x = Vec::with_capacity(rows * cols);
    for t in r..n {
        x.extend((1..=p).map(|j| w[t - j]));
        x.extend((1..=q).map(|j| resid[t - j]));
    }
    let beta = lstsq(&x, rows, cols, &w[r..])?;
    let mut sse = 0.0;
    let mut count = 0usize;
    for (i, t) in (r..n).enumerate() {
        let fit: f64 = x[i * cols..(i + 1) * cols]
            .iter()
            .zip(&beta)
            .map(|(a, b)| a * b)
            .sum();
        if i >= q {
            sse += (w[t] - fit).powi(2);
            count += 1;
        }
    }
    if count == 0 {
        return None;
    }
    Some((beta[..p].to_vec(), beta[p..].to_vec(), sse / count as f64))
}

/// The argmin problem: borrows the objective and a cache of the last evaluations (L-BFGS
/// asks for the cost and the gradient at the same points) that also remembers the best point
/// seen. The cache lives outside the problem: argmin drops the problem when a line search
/// fails, and the best point must survive that.
struct Problem<'o, 'a> {
    obj: &'o Objective<'a>,
    cache: &'o RefCell<Cache>,
}

#[derive(Default)]
struct Cache {
    /// Recent evaluations: (x, cost, gradient).
    recent: Vec<(Vec<f64>, f64, Vec<f64>)>,
    /// The lowest cost seen and where.
    best: Option<(f64, Vec<f64>)>,
}

impl Problem<'_, '_> {
    fn eval(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let mut cache = self.cache.borrow_mut();
        if let Some((_, c, g)) = cache.recent.iter().find(|(p, _, _)| p.as_slice() == x) {
            return (*c, g.clone());
        }
        let mut g = vec![0.0; x.len()];
        let c = self.obj.cost_grad(x, &mut g);
        if c.is_finite() && cache.best.as_ref().is_none_or(|(b, _)| c < *b) {
            cache.best = Some((c, x.to_vec()));
        }
        if cache.recent.len() >= 4 {
            cache.recent.remove(0);
        }
        cache.recent.push((x.to_vec(), c, g.clone()));
        (c, g)
    }
}

impl CostFunction for Problem<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> Result<Self::Output, ArgminError> {
        Ok(self.eval(x).0)
    }
}

impl Gradient for Problem<'_, '_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, x: &Self::Param) -> Result<Self::Gradient, ArgminError> {
        Ok(self.eval(x).1)
    }
}

/// The outcome of one L-BFGS run.
struct Run {
    best: Option<(f64, Vec<f64>)>,
    iterations: u64,
    reason: Option<TerminationReason>,
    error: Option<ArgminError>,
}

fn lbfgs(obj: &Objective<'_>, x0: Vec<f64>, max_iters: u64, grad_tol: f64, cost_tol: f64) -> Run {
    let cache = RefCell::new(Cache::default());
    let problem = Problem { obj, cache: &cache };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10);
    let solver = match solver
        .with_tolerance_grad(grad_tol)
        .and_then(|s| s.with_tolerance_cost(cost_tol))
    {
        Ok(s) => s,
        Err(error) => {
            return Run {
                best: None,
                iterations: 0,
                reason: None,
                error: Some(error),
            };
        }
    };
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(x0).max_iters(max_iters))
        .timer(false)
        .run();
    let best = cache.borrow_mut().best.take();
    match result {
        Ok(res) => Run {
            best,
            iterations: res.state().get_iter(),
            reason: res.state().get_termination_reason().cloned(),
            error: None,
        },
        Err(error) => Run {
            best,
            iterations: 0,
            reason: None,
            error: Some(error),
        },
    }
}

/// The gradient norm (of `−log L / (n − d)` in the unconstrained parameters) at or below
/// which the returned point counts as converged.
const ACCEPT_GRAD: f64 = 1e-5;

/// Relative cost change below which an iteration counts as no progress.
const COST_TOL: f64 = 1e-15;

/// One maximum-likelihood descent: L-BFGS from `x0`, restarted from the best point (fresh
/// curvature memory) while it stops early.
struct Descent {
    /// The lowest cost found and where.
    best: Option<(f64, Vec<f64>)>,
    iterations: u64,
    termination: String,
    error: Option<ArgminError>,
}

fn descend(obj: &Objective<'_>, x0: Vec<f64>, max_iters: u64, grad_tol: f64) -> Descent {
    let cost0 = obj.cost(&x0);
    // Stop when an iteration changes the cost by less than ~4 ulps of its size: below that
    // the line search only chases rounding.
    let cost_tol = COST_TOL
        * if cost0.is_finite() {
            cost0.abs().max(1.0)
        } else {
            1.0
        };
    let mut out = Descent {
        best: None,
        iterations: 0,
        termination: String::from("not run"),
        error: None,
    };
    let mut x = x0;
    for _round in 0..3 {
        let budget = max_iters.saturating_sub(out.iterations);
        if budget == 0 {
            break;
        }
        let run = lbfgs(obj, x.clone(), budget, grad_tol, cost_tol);
        out.iterations += run.iterations;
        let improved = match (&run.best, &out.best) {
            (Some((c, _)), Some((b, _))) => c < b,
            (Some(_), None) => true,
            _ => false,
        };
        if improved {
            out.best = run.best;
        }
        if let Some(e) = run.error {
            out.termination = format!("optimizer error: {e}");
            out.error = Some(e);
            break;
        }
        let Some((_, bx)) = &out.best else { break };
        x = bx.clone();
        out.termination = match &run.reason {
            Some(TerminationReason::SolverExit(msg)) => msg.clone(),
            Some(r) => r.text().to_owned(),
            None => "unknown".to_owned(),
        };
        if gradient_norm(obj, &x) <= grad_tol
            || !improved
            || matches!(run.reason, Some(TerminationReason::MaxItersReached))
        {
            break;
        }
    }
    out
}

/// The Euclidean norm of the cost's gradient at `x` (infinite where the cost is not
/// finite).
fn gradient_norm(obj: &Objective<'_>, x: &[f64]) -> f64 {
    let mut g = vec![0.0; x.len()];
    if !obj.cost_grad(x, &mut g).is_finite() {
        return f64::INFINITY;
    }
    g.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// The starting points of the multi-start fit, in this order (duplicates dropped):
/// statsmodels' own `start_params`, the conditional-sum-of-squares optimum (R's
/// `method = "CSS-ML"` start), Hannan–Rissanen, and zero AR / MA coefficients.
fn starts(obj: &Objective<'_>, model: &Arima) -> Vec<(&'static str, Vec<f64>)> {
    let sm = obj.start();
    let zero = fallback_x(obj, &sm);
    let to_x = |params: &ArimaParams| {
        obj.unconstrain(params)
            .filter(|x| obj.cost(x).is_finite())
            .unwrap_or_else(|| zero.clone())
    };
    let sm_x = to_x(&sm);
    let mut out: Vec<(&'static str, Vec<f64>)> = vec![("statsmodels", sm_x.clone())];
    if obj.p + obj.q + obj.sp + obj.sq > 0 {
        // CSS: minimise the conditional sum of squares from statsmodels' start, then take
        // sigma2 = SSE / m from the same residuals.
        let css = obj.css_objective();
        let run = descend(&css, sm_x, model.max_iters(), model.grad_tol());
        if let Some((_, mut x)) = run.best {
            let params = css.params(&x);
            if let Some(s2) = css_sigma2(obj, &params) {
                if let Some(last) = x.last_mut() {
                    *last = s2.ln();
                }
                if obj.cost(&x).is_finite() {
                    out.push(("css", x));
                }
            }
        }
        if !obj.seasonal_arma() {
            out.push(("hannan-rissanen", to_x(&obj.hannan_rissanen())));
        }
        out.push(("zero", zero));
    }
    let mut unique: Vec<(&'static str, Vec<f64>)> = Vec::with_capacity(out.len());
    for (name, x) in out {
        if !unique.iter().any(|(_, u)| u == &x) {
            unique.push((name, x));
        }
    }
    unique
}

/// `SSE / m` of the conditional residuals at `params` (see [`Objective::css_llf`]).
fn css_sigma2(obj: &Objective<'_>, params: &ArimaParams) -> Option<f64> {
    let (ar, ma) = params.expanded(obj.s);
    let llf = obj.css_llf(&ar, &ma, params.constant).ok()?;
    let m = (obj.data.w.len().checked_sub(obj.ar_lags())?) as f64;
    let s2 = (-2.0 * llf / m).exp();
    (s2 > 0.0 && s2.is_finite()).then_some(s2)
}

/// Fits `model` to `y`: the optimum parameters and how the optimizer ended.
///
/// Multi-start: a full L-BFGS descent from each of [`starts`], keeping the highest
/// likelihood. `converged` is the gradient test at the returned point: the gradient norm of
/// `−log L / (n − d)` in the unconstrained parameters at most [`ACCEPT_GRAD`] (or the
/// model's own tolerance, when looser).
pub(crate) fn fit(model: &Arima, y: &[f64]) -> Result<(ArimaParams, Convergence), ArimaError> {
    let order = model.order();
    let w = order.integration().difference(y);
    let (_, wstd) = mean_std(&w);
    let flat = if order.has_constant() {
        wstd == 0.0
    } else {
        w.iter().all(|v| *v == 0.0)
    };
    if flat {
        return Err(ArimaError::ConstantSeries { d: order.d });
    }
    let obj = Objective::new(model, y, &w);
    let mut iterations = 0;
    let mut best: Option<(f64, Vec<f64>, String)> = None;
    let mut last_error = None;
    for (name, x0) in starts(&obj, model) {
        let run = descend(&obj, x0, model.max_iters(), model.grad_tol());
        iterations += run.iterations;
        if let Some((c, x)) = run.best
            && best.as_ref().is_none_or(|(b, _, _)| c < *b)
        {
            best = Some((c, x, format!("{} (start: {name})", run.termination)));
        }
        if let Some(e) = run.error {
            last_error = Some(e);
        }
    }
    let Some((_, bx, termination)) = best else {
        return Err(match last_error {
            Some(e) => ArimaError::Optimizer {
                message: e.to_string(),
                source: e.into_boxed_dyn_error(),
            },
            None => ArimaError::Numerical {
                message: "the likelihood is not finite at any point the optimizer tried".to_owned(),
            },
        });
    };
    let converged = gradient_norm(&obj, &bx) <= ACCEPT_GRAD.max(model.grad_tol());
    Ok((
        obj.params(&bx),
        Convergence {
            converged,
            iterations,
            termination,
        },
    ))
}

/// A safe starting point: zero AR/MA, the mean, and the (differenced) series' variance.
fn fallback_x(obj: &Objective<'_>, start: &ArimaParams) -> Vec<f64> {
    let mut x = vec![0.0; obj.k()];
    if let Some(last) = x.last_mut() {
        *last = start.sigma2.ln();
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arima::model::ArimaOrder;

    fn series(n: usize, seed: u64) -> Vec<f64> {
        // ARMA(1,1)-ish deterministic noise.
        let mut s = seed;
        let mut prev = 0.0;
        let mut e_prev = 0.0;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let e = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                let v = 0.6 * prev + e + 0.3 * e_prev;
                prev = v;
                e_prev = e;
                v
            })
            .collect()
    }

    #[test]
    fn gradient_matches_central_differences() {
        let y = series(300, 7);
        for order in [
            ArimaOrder::new(2, 0, 1),
            ArimaOrder::new(1, 1, 2),
            ArimaOrder::new(3, 2, 3),
            ArimaOrder::new(0, 1, 1),
        ] {
            let model = Arima::new(order);
            let w = kalman::difference(&y, order.d);
            let obj = Objective::new(&model, &y, &w);
            // A generic point, and one with zero AR terms (statsmodels' fallback start, where
            // zero-valued pivot multipliers of the Lyapunov solve still carry derivatives).
            let c0 = usize::from(order.has_constant());
            let generic: Vec<f64> = (0..obj.k()).map(|i| 0.3 - 0.17 * i as f64).collect();
            let mut zero_ar = generic.clone();
            zero_ar[c0..c0 + order.p].iter_mut().for_each(|v| *v = 0.0);
            for x in [generic, zero_ar] {
                let mut g = vec![0.0; x.len()];
                let c = obj.cost_grad(&x, &mut g);
                assert!((c - obj.cost(&x)).abs() < 1e-13 * c.abs().max(1.0));
                for i in 0..x.len() {
                    let h = 1e-5;
                    let mut xp = x.clone();
                    let mut xm = x.clone();
                    xp[i] += h;
                    xm[i] -= h;
                    let fd = (obj.cost(&xp) - obj.cost(&xm)) / (2.0 * h);
                    assert!(
                        (fd - g[i]).abs() < 1e-7 * (1.0 + fd.abs()),
                        "{order} param {i} at {x:?}: dual {} vs fd {fd}",
                        g[i]
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        #[test]
        fn gradient_matches_finite_differences_anywhere(
            seed in 1u64..1000,
            p in 0usize..4,
            d in 0usize..3,
            q in 0usize..4,
            x in proptest::collection::vec(-1.5f64..1.5, 9),
        ) {
            let y = series(120, seed);
            let order = ArimaOrder::new(p, d, q);
            let model = Arima::new(order);
            let w = kalman::difference(&y, d);
            let obj = Objective::new(&model, &y, &w);
            let x = &x[..obj.k()];
            let mut g = vec![0.0; x.len()];
            let c = obj.cost_grad(x, &mut g);
            proptest::prop_assert!(c.is_finite());
            for i in 0..x.len() {
                let h = 1e-5;
                let mut xp = x.to_vec();
                let mut xm = x.to_vec();
                xp[i] += h;
                xm[i] -= h;
                let fd = (obj.cost(&xp) - obj.cost(&xm)) / (2.0 * h);
                proptest::prop_assert!(
                    (fd - g[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                    "{} param {}: dual {} vs fd {}", order, i, g[i], fd
                );
            }
        }
    }

    #[test]
    fn css_start_recovers_an_ar1() {
        let y = series(2000, 3);
        let model = Arima::new(ArimaOrder::new(1, 0, 0));
        let w = y.clone();
        let obj = Objective::new(&model, &y, &w);
        let s = obj.start();
        assert!(s.ar[0] > 0.5 && s.ar[0] < 0.8, "{:?}", s.ar);
        assert!(s.sigma2 > 0.0);
    }
}
