//! The optimizer: argmin's L-BFGS with More–Thuente line search on [`Objective`], restarted
//! until the gradient test passes, from each of several starting points (multi-start).

use std::cell::RefCell;

use argmin::core::{
    CostFunction, Error as ArgminError, Executor, Gradient, State, TerminationReason,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use crate::arima::error::ArimaError;
use crate::arima::model::{Arima, ArimaParams, Convergence};

/// A filter failure as an [`ArimaError`].
use super::{Objective, mean_std};

/// The argmin problem: borrows the objective and a cache of the last evaluations (L-BFGS
/// asks for the cost and the gradient at the same points) that also remembers the best point
/// seen. The cache lives outside the problem: argmin drops the problem when a line search
/// fails, and the best point must survive that.
struct Problem<'o, 'a> {
    obj: &'o Objective<'a>,
    cache: &'o RefCell<Cache>,
    /// The optima of the descents already finished (cost, point).
    known: &'o [(f64, Vec<f64>)],
}

/// The error with which [`Problem`] stops L-BFGS once it reaches an optimum an earlier
/// descent already found (see [`JOIN_DIST`]).
#[derive(Debug, thiserror::Error)]
#[error("joined the optimum of an earlier start")]
struct Joined;

/// A descent stops once an evaluated point is within this distance (largest coordinate
/// difference, unconstrained parameters) of an earlier descent's optimum and its cost at most
/// [`JOIN_COST`] above that optimum's (never below: a point lower than a known optimum is
/// news): it is in that basin, and finishing only re-finds the same point; the stopped
/// descent's own points are dropped. Only converged optima are joined (see [`fit`]). On the
/// 1 000-row ARIMA(2,1,2) bench series the CSS, Hannan–Rissanen and zero starts end at
/// statsmodels' start's optimum; they join it after 1, 12 and 33 evaluations (10, 13 and 34
/// with 1e-3). 1e-2 changes no log-likelihood or convergence flag of the 300 statsmodels
/// cases (`tests/it/arima_multistart.rs`).
const JOIN_DIST: f64 = 1e-2;

/// See [`JOIN_DIST`] (cost units: `−log L / (n − d)`, relative to `max(1, |cost|)`).
const JOIN_COST: f64 = 1e-6;

/// The lowest-cost point of a descent, with the gradient computed there (the gradient test
/// reads it instead of running the filter again).
#[derive(Debug, Clone)]
struct Best {
    cost: f64,
    x: Vec<f64>,
    grad: Vec<f64>,
}

impl Best {
    /// The Euclidean norm of the gradient.
    fn grad_norm(&self) -> f64 {
        self.grad.iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    /// `(cost, point)`, the form of a known optimum.
    fn known(&self) -> (f64, Vec<f64>) {
        (self.cost, self.x.clone())
    }
}

#[derive(Default)]
struct Cache {
    /// Recent evaluations: (x, cost, gradient).
    recent: Vec<(Vec<f64>, f64, Vec<f64>)>,
    /// The lowest cost seen, where, and the gradient there.
    best: Option<Best>,
    /// Whether an evaluated point joined a known optimum (see [`JOIN_DIST`]).
    joined: bool,
    /// Number of (distinct) evaluations.
    evaluations: u64,
}

impl Problem<'_, '_> {
    fn eval(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let mut cache = self.cache.borrow_mut();
        if let Some((_, c, g)) = cache.recent.iter().find(|(p, _, _)| p.as_slice() == x) {
            return (*c, g.clone());
        }
        let mut g = vec![0.0; x.len()];
        let c = self.obj.cost_grad(x, &mut g);
        if c.is_finite() && cache.best.as_ref().is_none_or(|b| c < b.cost) {
            cache.best = Some(Best {
                cost: c,
                x: x.to_vec(),
                grad: g.clone(),
            });
        }
        if c.is_finite()
            && self.known.iter().any(|(kc, kx)| {
                (0.0..=JOIN_COST * kc.abs().max(1.0)).contains(&(c - kc))
                    && kx.iter().zip(x).all(|(a, b)| (a - b).abs() <= JOIN_DIST)
            })
        {
            cache.joined = true;
        }
        cache.evaluations += 1;
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
        let (c, _) = self.eval(x);
        if self.cache.borrow().joined {
            return Err(Joined.into());
        }
        Ok(c)
    }
}

impl Gradient for Problem<'_, '_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, x: &Self::Param) -> Result<Self::Gradient, ArgminError> {
        let (_, g) = self.eval(x);
        if self.cache.borrow().joined {
            return Err(Joined.into());
        }
        Ok(g)
    }
}

/// The outcome of one L-BFGS run.
struct Run {
    best: Option<Best>,
    iterations: u64,
    reason: Option<TerminationReason>,
    error: Option<ArgminError>,
    /// Stopped on reaching a known optimum (see [`JOIN_DIST`]).
    joined: bool,
}

fn lbfgs(
    obj: &Objective<'_>,
    x0: Vec<f64>,
    max_iters: u64,
    (grad_tol, cost_tol): (f64, f64),
    known: &[(f64, Vec<f64>)],
) -> Run {
    let cache = RefCell::new(Cache::default());
    let problem = Problem {
        obj,
        cache: &cache,
        known,
    };
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
                joined: false,
            };
        }
    };
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(x0).max_iters(max_iters))
        .timer(false)
        .run();
    let (best, joined, evaluations) = {
        let mut c = cache.borrow_mut();
        (c.best.take(), c.joined, c.evaluations)
    };
    match result {
        Ok(res) => Run {
            best,
            iterations: res.state().get_iter(),
            reason: res.state().get_termination_reason().cloned(),
            error: None,
            joined: false,
        },
        // argmin returns no state when the problem stops it: the evaluations stand in for
        // the iterations (L-BFGS takes about one per iteration).
        Err(_) if joined => Run {
            best,
            iterations: evaluations,
            reason: None,
            error: None,
            joined: true,
        },
        Err(error) => Run {
            best,
            iterations: 0,
            reason: None,
            error: Some(error),
            joined: false,
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
    /// The lowest cost found, where, and the gradient there.
    best: Option<Best>,
    iterations: u64,
    termination: String,
    error: Option<ArgminError>,
    /// Stopped on reaching an earlier start's optimum.
    joined: bool,
}

/// One descent from `x0`, where the cost is `cost0`; it stops early on reaching one of the
/// `known` optima (see [`JOIN_DIST`]).
fn descend(
    obj: &Objective<'_>,
    x0: Vec<f64>,
    cost0: f64,
    max_iters: u64,
    grad_tol: f64,
    known: &[(f64, Vec<f64>)],
) -> Descent {
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
        joined: false,
    };
    let mut x = x0;
    for _round in 0..3 {
        let budget = max_iters.saturating_sub(out.iterations);
        if budget == 0 {
            break;
        }
        let run = lbfgs(obj, x.clone(), budget, (grad_tol, cost_tol), known);
        out.iterations += run.iterations;
        let improved = match (&run.best, &out.best) {
            (Some(c), Some(b)) => c.cost < b.cost,
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
        if run.joined {
            out.termination = "joined the optimum of an earlier start".to_owned();
            out.joined = true;
            break;
        }
        let Some(b) = &out.best else { break };
        x = b.x.clone();
        let grad_norm = b.grad_norm();
        out.termination = match &run.reason {
            Some(TerminationReason::SolverExit(msg)) => msg.clone(),
            Some(r) => r.text().to_owned(),
            None => "unknown".to_owned(),
        };
        if grad_norm <= grad_tol
            || !improved
            || matches!(run.reason, Some(TerminationReason::MaxItersReached))
        {
            break;
        }
    }
    out
}

/// A starting point: its name, the point, and the cost there.
type StartPoint = (&'static str, Vec<f64>, f64);

/// The starting points of the multi-start fit, in this order (duplicates dropped):
/// statsmodels' own `start_params`, the conditional-sum-of-squares optimum (R's
/// `method = "CSS-ML"` start), Hannan–Rissanen, and zero AR / MA coefficients; each with
/// its cost, which the finiteness check computes anyway (and the descent needs).
fn starts(obj: &Objective<'_>, model: &Arima) -> Vec<StartPoint> {
    let sm = obj.start();
    let zero = fallback_x(obj, &sm);
    let zero_start = || (zero.clone(), obj.cost(&zero));
    let to_x = |params: &ArimaParams| {
        obj.unconstrain(params)
            .map(|x| {
                let c = obj.cost(&x);
                (x, c)
            })
            .filter(|(_, c)| c.is_finite())
            .unwrap_or_else(zero_start)
    };
    let (sm_x, sm_cost) = to_x(&sm);
    let mut out: Vec<StartPoint> = vec![("statsmodels", sm_x.clone(), sm_cost)];
    if obj.p + obj.q + obj.sp + obj.sq > 0 {
        // CSS: minimise the conditional sum of squares from statsmodels' start, then take
        // sigma2 = SSE / m from the same residuals.
        let css = obj.css_objective();
        let css_cost = css.cost(&sm_x);
        let run = descend(
            &css,
            sm_x,
            css_cost,
            model.max_iters(),
            model.grad_tol(),
            &[],
        );
        if let Some(Best { mut x, .. }) = run.best {
            let params = css.params(&x);
            if let Some(s2) = css_sigma2(obj, &params) {
                if let Some(last) = x.last_mut() {
                    *last = s2.ln();
                }
                let c = obj.cost(&x);
                if c.is_finite() {
                    out.push(("css", x, c));
                }
            }
        }
        if !obj.seasonal_arma() {
            let (x, c) = to_x(&obj.hannan_rissanen());
            out.push(("hannan-rissanen", x, c));
        }
        let (x, c) = zero_start();
        out.push(("zero", x, c));
    }
    let mut unique: Vec<StartPoint> = Vec::with_capacity(out.len());
    for (name, x, c) in out {
        if !unique.iter().any(|(_, u, _)| u == &x) {
            unique.push((name, x, c));
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
/// likelihood, then up to [`PUSH_ROUNDS`] rounds of [`boundary_pushes`] from the best point
/// (none on an ordinary fit: only when a polynomial's roots are near the unit circle).
/// `converged` is the gradient test at the returned point: the gradient norm of
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
    let mut multi = MultiStart {
        model,
        iterations: 0,
        best: None,
        last_error: None,
        known: Vec::new(),
    };
    for (name, x0, cost0) in starts(&obj, model) {
        multi.descend_from(&obj, x0, cost0, name);
    }
    for _round in 0..PUSH_ROUNDS {
        let Some((b, _)) = &multi.best else { break };
        let mut improved = false;
        for x0 in boundary_pushes(&obj, &b.x) {
            let cost0 = obj.cost(&x0);
            if cost0.is_finite() {
                improved |= multi.descend_from(&obj, x0, cost0, "boundary push");
            }
        }
        if !improved {
            break;
        }
    }
    let MultiStart {
        iterations,
        best,
        last_error,
        ..
    } = multi;
    let Some((b, termination)) = best else {
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
    let converged = converged_at(model, &b);
    Ok((
        obj.params(&b.x),
        Convergence {
            converged,
            iterations,
            termination,
        },
    ))
}

/// The gradient test `converged` reports (also what makes an optimum joinable), on the
/// gradient the descent computed at its best point.
fn converged_at(model: &Arima, b: &Best) -> bool {
    b.grad_norm() <= ACCEPT_GRAD.max(model.grad_tol())
}

/// The state of a multi-start fit: the descents so far, their best point and the optima
/// later descents may join.
struct MultiStart<'m> {
    model: &'m Arima,
    iterations: u64,
    /// The lowest-cost point so far and its termination text.
    best: Option<(Best, String)>,
    last_error: Option<ArgminError>,
    known: Vec<(f64, Vec<f64>)>,
}

impl MultiStart<'_> {
    /// One descent from `x0` (cost `cost0`), started as `name`; whether it found a new best
    /// point.
    fn descend_from(&mut self, obj: &Objective<'_>, x0: Vec<f64>, cost0: f64, name: &str) -> bool {
        let model = self.model;
        let run = descend(
            obj,
            x0,
            cost0,
            model.max_iters(),
            model.grad_tol(),
            &self.known,
        );
        self.iterations += run.iterations;
        if run.joined {
            return false;
        }
        // Only a converged optimum can be joined: a descent that stopped short may be
        // overtaken by a later one passing by. (On the 300 statsmodels cases joining changes
        // no result: the same log-likelihoods and convergence flags with it as without.)
        if let Some(b) = &run.best
            && converged_at(model, b)
        {
            self.known.push(b.known());
        }
        if let Some(e) = run.error {
            self.last_error = Some(e);
        }
        match run.best {
            Some(b) if self.best.as_ref().is_none_or(|(old, _)| b.cost < old.cost) => {
                self.best = Some((b, format!("{} (start: {name})", run.termination)));
                true
            }
            _ => false,
        }
    }
}

/// At most this many rounds of [`boundary_pushes`]; a round runs only when the previous one
/// found a better point. On `over_027` of the statsmodels cases the first round's push
/// (110 iterations) lifts the log-likelihood from −272.11055 to −271.75801 (statsmodels
/// −271.76031), the second joins that optimum after 45 evaluations.
const PUSH_ROUNDS: usize = 2;

/// A polynomial's last unconstrained coefficient is pushed when its magnitude is in
/// `[PUSH_MIN, PUSH_MAX]`: partial autocorrelation `|r| ≥ 0.949` (the product of the
/// reciprocal root moduli, `|r|`, at least 0.949), and not yet saturated (`1 − |r| < 5e-7`
/// beyond [`PUSH_MAX`]).
const PUSH_MIN: f64 = 3.0;

/// See [`PUSH_MIN`].
const PUSH_MAX: f64 = 1e3;

/// Escape points from `x`, a local optimum: for each polynomial (AR, MA, seasonal AR,
/// seasonal MA) whose last partial autocorrelation `r` is near ±1 (see [`PUSH_MIN`]), `x`
/// with that coordinate doubled (`1 − |r|` about a quarter), which moves the polynomial's
/// roots toward the unit circle.
///
/// The likelihood of an over-differenced or over-parameterised model can keep rising toward
/// the boundary (a near-cancelling AR/MA pair on the unit circle), past a shallow valley from
/// a local optimum inside: on `over_027` (ARIMA(2,1,3), n = 196) all four starts end at an
/// optimum whose MA has its unit root and whose AR roots have modulus 0.988, 0.35 below
/// statsmodels' point (AR roots at 0.9998); on the segment between the two the
/// log-likelihood dips by 1.9, and from the inner optimum along the path statsmodels took
/// by 0.017. Doubling the AR's last coordinate (4.45 → 8.9) starts a descent that climbs
/// the ridge. The bench fits (ARIMA(2,1,2) at n = 1000, the airline model at n = 144 and
/// 500) have no coordinate in range and run no push; on the 300 statsmodels cases 68
/// pushes run and only `over_027` changes.
fn boundary_pushes(obj: &Objective<'_>, x: &[f64]) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    let mut at = usize::from(obj.has_const);
    for len in [obj.p, obj.q, obj.sp, obj.sq] {
        at += len;
        let Some(last) = at.checked_sub(1).filter(|_| len > 0) else {
            continue;
        };
        if x.get(last)
            .is_some_and(|v| (PUSH_MIN..=PUSH_MAX).contains(&v.abs()))
        {
            let mut pushed = x.to_vec();
            pushed[last] *= 2.0;
            out.push(pushed);
        }
    }
    out
}

/// A safe starting point: zero AR/MA, the mean, and the (differenced) series' variance.
fn fallback_x(obj: &Objective<'_>, start: &ArimaParams) -> Vec<f64> {
    let mut x = vec![0.0; obj.k()];
    if let Some(last) = x.last_mut() {
        *last = start.sigma2.ln();
    }
    x
}
