//! The ARIMA state-space form and its Kalman filter, generic over the scalar so that one pass
//! in dual numbers gives the log-likelihood together with its exact gradient.
//!
//! ARMA block (Harvey form, statsmodels `SARIMAX` with `hamilton_representation=False`),
//! `r = max(p, q + 1)`:
//!
//! ```text
//! α_{t+1} = T α_t + R e_{t+1},   T = [φ | I_{r-1} over 0'],   R = [1, θ_1, …, θ_{r-1}]',
//! w_t = Z α_t,                   Z = [1, 0, …, 0],            e_t ~ N(0, σ²)
//! ```
//!
//! For d > 0 statsmodels puts the integration states first, `[y_{t-1}, Δy_{t-1}, …,
//! Δ^{d-1}y_{t-1}, α_t]`, with design `[1, …, 1 (d ones), 1, 0, …]`, the transition rows
//! `Δ^i y_t = Σ_{j ≥ i} Δ^j y_{t-1} + α_{t,0}`, and prior `N(0, 1e6 · I_d)` on them
//! (`Initialization(..., 'approximate_diffuse')`, variance in data units). The ARMA block
//! starts from its stationary distribution (`'stationary'`: the discrete Lyapunov equation
//! `Σ = T Σ T' + σ² R R'`). The first d log densities are dropped (`loglikelihood_burn = d`).
//!
//! Implementation: the full `(d + r)`-state filter runs for the first d observations only.
//! After them the integration states equal observed values (`y_{t-1}`, `Δy_{t-1}`, …) with zero
//! variance and zero covariance with the ARMA block, so the rest is exactly the r-state ARMA
//! filter on `w_t = Δ^d y_t`, started from the ARMA block's posterior. With no measurement
//! error, `Z = e_1` and Harvey's T, the covariance recursion needs no φ at all:
//!
//! ```text
//! F_t = P_00,  v_t = w_t − a_0,  k_i = P_{0i} / F_t
//! a'_i   = φ_i w_t + a_{i+1} + k_{i+1} v_t
//! P'_ij  = P_{i+1,j+1} − P_{0,i+1} P_{0,j+1} / F_t + σ² R_i R_j
//! log L  = −½ Σ_{t ≥ d} (ln 2π + ln F_t + v_t² / F_t)
//! ```
//!
//! Once `P` stops changing (every entry within `1e-14 · F_t` of the previous step; statsmodels
//! likewise freezes a converged filter) the gain and `F` are frozen and each step costs O(r).
//!
//! Dropping the integration states after d steps is exact, and more accurate than carrying
//! them: statsmodels keeps them to the end, and the rounding of their 1e6 variance (≈ 1e6 · ε
//! in absolute terms) moves its log-likelihood by up to ~1e-8 relative when sigma2 is small
//! (2.4e-6 on the interest-rate case, sigma2 ≈ 3e-5, where this filter agrees with a 40-digit
//! evaluation of the closed form to 1e-12).

// Index arithmetic on the small state matrices reads as the formulas above.
#![allow(clippy::needless_range_loop)]

use crate::arima::constrain::MAX_LAG;
use crate::linalg::{Real, solve_in_place};

/// Largest ARMA state dimension, `max(p, q + 1)` with p, q ≤ 10.
pub(crate) const MAX_R: usize = MAX_LAG + 1;
/// Largest integration order.
pub(crate) const MAX_D: usize = 2;
/// Largest full state dimension `d + r`.
pub(crate) const MAX_M: usize = MAX_R + MAX_D;
/// statsmodels' approximate diffuse prior variance (`initial_variance`, data units).
pub(crate) const KAPPA: f64 = 1e6;
/// Relative change of every entry of P below which the filter is taken as converged.
const STEADY_TOL: f64 = 1e-14;

/// An `r × r` matrix on the stack.
pub(crate) type Mat<S> = [[S; MAX_R]; MAX_R];

/// Why a filter pass could not produce a likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterError {
    /// The AR part has no stationary distribution (the Lyapunov system is singular or its
    /// solution is not a covariance).
    NotStationary,
    /// A one-step variance that is not positive and finite.
    BadVariance,
}

/// How the filter starts when d > 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// statsmodels' approximate diffuse prior (variance [`KAPPA`]).
    Approximate,
    /// The exact likelihood of the differenced series.
    Differenced,
}

/// The ARMA block of the state-space form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArmaSs<S> {
    /// State dimension `max(p, q + 1)`.
    pub(crate) r: usize,
    /// `φ_1..φ_r` (zero-padded).
    pub(crate) phi: [S; MAX_R],
    /// `R = [1, θ_1, …, θ_{r-1}]` (zero-padded).
    pub(crate) rv: [S; MAX_R],
    /// Innovation variance.
    pub(crate) sigma2: S,
}

impl<S: Real> ArmaSs<S> {
    /// The system for `ar` (φ), `ma` (θ) and `sigma2`; orders beyond 10 are truncated (the
    /// callers validate them first).
    pub(crate) fn new(ar: &[S], ma: &[S], sigma2: S) -> Self {
        let p = ar.len().min(MAX_LAG);
        let q = ma.len().min(MAX_LAG);
        let r = p.max(q + 1);
        let mut phi = [S::cst(0.0); MAX_R];
        let mut rv = [S::cst(0.0); MAX_R];
        phi[..p].copy_from_slice(&ar[..p]);
        rv[0] = S::cst(1.0);
        rv[1..=q].copy_from_slice(&ma[..q]);
        ArmaSs { r, phi, rv, sigma2 }
    }

    /// The stationary covariance of the ARMA state, the solution of the discrete Lyapunov
    /// equation `P = T P T' + σ² R R'` (statsmodels' `Initialization(..., 'stationary')`).
    ///
    /// With Harvey's T the equation for entry (i, j) reads
    ///
    /// ```text
    /// P_ij = φ_i φ_j P_00 + φ_i P_{0,j+1} + φ_j P_{0,i+1} + P_{i+1,j+1} + R_i R_j   (P_{·,r} = 0)
    /// ```
    ///
    /// so unrolling it along the diagonal expresses every entry through the first row
    /// `s = P_{0,·}`. The first row's own equations form an `r × r` system (instead of the
    /// `r(r+1)/2`-unknown Kronecker system), and the rest follows from the bottom-right up.
    ///
    /// # Errors
    /// [`FilterError::NotStationary`] when the system is singular or the solution is not a
    /// covariance (non-positive variance of the first state, a negative or non-finite
    /// diagonal).
    pub(crate) fn stationary_cov(&self) -> Result<Mat<S>, FilterError> {
        let r = self.r;
        let zero = S::cst(0.0);
        let phi = &self.phi;
        let rv = &self.rv;
        // A s = b, A = I − C.
        let mut a = [zero; MAX_R * MAX_R];
        let mut b = [zero; MAX_R];
        for j in 0..r {
            let row = &mut a[j * r..(j + 1) * r];
            row[j] += S::cst(1.0);
            let mut rhs = zero;
            for m in 0..r - j {
                row[0] -= phi[m] * phi[j + m];
                if j + m + 1 < r {
                    row[j + m + 1] -= phi[m];
                }
                if m + 1 < r {
                    row[m + 1] -= phi[j + m];
                }
                rhs += rv[m] * rv[j + m];
            }
            b[j] = rhs;
        }
        solve_in_place(&mut a[..r * r], r, &mut b[..r]).map_err(|_| FilterError::NotStationary)?;
        let s0 = b[0];
        let s = |k: usize| if k < r { b[k] } else { zero };
        let mut out = [[zero; MAX_R]; MAX_R];
        for i in (0..r).rev() {
            for j in (i..r).rev() {
                let mut v =
                    phi[i] * phi[j] * s0 + phi[i] * s(j + 1) + phi[j] * s(i + 1) + rv[i] * rv[j];
                if j + 1 < r {
                    v += out[i + 1][j + 1];
                }
                out[i][j] = v;
                out[j][i] = v;
            }
        }
        // A covariance: positive variance of the observed state, the others non-negative
        // (states no shock reaches, e.g. with trailing zero coefficients, have variance 0).
        let d00 = out[0][0].val();
        if !(d00 > 0.0 && d00.is_finite()) {
            return Err(FilterError::NotStationary);
        }
        for (i, row) in out.iter_mut().enumerate().take(r) {
            let dii = row[i].val();
            if !(dii >= -1e-10 * d00 && dii.is_finite()) {
                return Err(FilterError::NotStationary);
            }
            for v in &mut row[..r] {
                *v *= self.sigma2;
            }
        }
        Ok(out)
    }
}

/// Receives each one-step prediction error `v_t` and its variance `F_t` (all t, burn-in
/// included; `F_t` is NaN for the first d steps of [`Start::Differenced`]).
pub(crate) trait Recorder<S> {
    /// Called once per observation, in order.
    fn record(&mut self, t: usize, v: S, f: S);
}

/// A recorder that keeps nothing (the optimizer's passes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoRecord;

impl<S> Recorder<S> for NoRecord {
    #[inline]
    fn record(&mut self, _t: usize, _v: S, _f: S) {}
}

/// Keeps every prediction error.
#[derive(Debug, Clone, Default)]
pub(crate) struct Innovations {
    /// `v_t`, in order.
    pub(crate) v: Vec<f64>,
}

impl Recorder<f64> for Innovations {
    #[inline]
    fn record(&mut self, _t: usize, v: f64, _f: f64) {
        self.v.push(v);
    }
}

/// The result of a filter pass.
#[derive(Debug, Clone)]
pub(crate) struct FilterOut<S> {
    /// `Σ_{t ≥ d} ln F_t`.
    pub(crate) sum_log_f: S,
    /// `Σ_{t ≥ d} v_t² / F_t`.
    pub(crate) sum_q: S,
    /// Number of terms in the likelihood (`n − d`).
    pub(crate) n_terms: usize,
    /// Predicted ARMA state for time n.
    pub(crate) a: [S; MAX_R],
    /// Its covariance (full, symmetric).
    pub(crate) p: Mat<S>,
}

impl<S: Real> FilterOut<S> {
    /// `log L = −½ (n ln 2π + Σ ln F_t + Σ v_t² / F_t)`.
    pub(crate) fn loglike(&self) -> S {
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        (self.sum_log_f + self.sum_q + self.n_terms as f64 * ln2pi) * -0.5
    }
}

/// The data of one filter problem.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Data<'a> {
    /// The series.
    pub(crate) y: &'a [f64],
    /// `Δ^d y` (length `n − d`).
    pub(crate) w: &'a [f64],
    /// Integration order.
    pub(crate) d: usize,
    /// Start for d > 0.
    pub(crate) start: Start,
}

/// `Δ^d y` (empty when `y` has at most d values).
pub(crate) fn difference(y: &[f64], d: usize) -> Vec<f64> {
    let mut w = y.to_vec();
    for _ in 0..d {
        if w.len() <= 1 {
            return Vec::new();
        }
        w = w.windows(2).map(|p| p[1] - p[0]).collect();
    }
    w
}

/// Runs the filter over `data` for the ARMA system `sys`, with `offset` (the constant, when
/// d = 0) subtracted from the data of the ARMA block.
///
/// # Errors
/// [`FilterError`] when the AR part is not stationary or a variance is not positive.
pub(crate) fn filter<S: Real, R: Recorder<S>>(
    data: &Data<'_>,
    sys: &ArmaSs<S>,
    offset: Option<S>,
    rec: &mut R,
) -> Result<FilterOut<S>, FilterError> {
    let r = sys.r;
    let d = data.d.min(MAX_D);
    let mut p = sys.stationary_cov()?;
    let mut a = [S::cst(0.0); MAX_R];
    if d > 0 {
        match data.start {
            Start::Approximate => diffuse_phase(data.y, d, sys, &mut a, &mut p, rec)?,
            Start::Differenced => {
                for t in 0..d.min(data.y.len()) {
                    // The integration states that y_0..y_{t-1} pin down, the rest at 0.
                    let mut fit = 0.0;
                    let mut row: Vec<f64> = data.y[..t].to_vec();
                    while let Some(&last) = row.last() {
                        fit += last;
                        row = row.windows(2).map(|w| w[1] - w[0]).collect();
                    }
                    rec.record(t, S::cst(data.y[t] - fit), S::cst(f64::NAN));
                }
            }
        }
    }
    let (sum_log_f, sum_q) = arma_phase(data.w, d, sys, offset, &mut a, &mut p, rec)?;
    for i in 0..r {
        for j in 0..i {
            p[i][j] = p[j][i];
        }
    }
    Ok(FilterOut {
        sum_log_f,
        sum_q,
        n_terms: data.w.len(),
        a,
        p,
    })
}

/// The first d steps with the full `[integration states, ARMA]` state; leaves the ARMA
/// block's predicted mean and covariance for time d in `a` and `p`.
fn diffuse_phase<S: Real, R: Recorder<S>>(
    y: &[f64],
    d: usize,
    sys: &ArmaSs<S>,
    a: &mut [S; MAX_R],
    p: &mut Mat<S>,
    rec: &mut R,
) -> Result<(), FilterError> {
    let r = sys.r;
    let m = d + r;
    let zero = S::cst(0.0);
    let mut fa = [zero; MAX_M];
    let mut fp = [[zero; MAX_M]; MAX_M];
    for i in 0..d {
        fp[i][i] = S::cst(KAPPA);
    }
    for i in 0..r {
        for j in 0..r {
            fp[d + i][d + j] = p[i][j];
        }
    }
    for (t, &yt) in y.iter().enumerate().take(d) {
        // Z selects states 0..=d.
        let mut pred = zero;
        for v in &fa[..=d] {
            pred += *v;
        }
        let v = S::cst(yt) - pred;
        let mut mz = [zero; MAX_M];
        for i in 0..m {
            let mut s = zero;
            for j in 0..=d {
                s += fp[i][j];
            }
            mz[i] = s;
        }
        let mut f = zero;
        for v in &mz[..=d] {
            f += *v;
        }
        if !(f.val() > 0.0 && f.val().is_finite()) {
            return Err(FilterError::BadVariance);
        }
        rec.record(t, v, f);
        let finv = f.recip();
        // Filtered: a + M v / F, P − M M' / F.
        let vf = v * finv;
        for i in 0..m {
            fa[i] += mz[i] * vf;
        }
        for i in 0..m {
            let mi = mz[i] * finv;
            for j in 0..m {
                fp[i][j] -= mi * mz[j];
            }
        }
        // Predicted: T a, T P T' + Q.
        let ta = apply_t(&fa, d, sys);
        fa = ta;
        let mut tp = [[zero; MAX_M]; MAX_M];
        for j in 0..m {
            let col: [S; MAX_M] = std::array::from_fn(|i| fp[i][j]);
            let tc = apply_t(&col, d, sys);
            for i in 0..m {
                tp[i][j] = tc[i];
            }
        }
        for i in 0..m {
            let row: [S; MAX_M] = tp[i];
            let tr = apply_t(&row, d, sys);
            fp[i] = tr;
        }
        for i in 0..r {
            for j in 0..r {
                fp[d + i][d + j] += sys.rv[i] * sys.rv[j] * sys.sigma2;
            }
        }
    }
    for i in 0..r {
        a[i] = fa[d + i];
        for j in 0..r {
            p[i][j] = fp[d + i][d + j];
        }
    }
    Ok(())
}

/// `T x` for the full state `[integration states (d), ARMA (r)]`.
#[inline]
pub(crate) fn apply_t<S: Real>(x: &[S; MAX_M], d: usize, sys: &ArmaSs<S>) -> [S; MAX_M] {
    let r = sys.r;
    let mut out = [S::cst(0.0); MAX_M];
    let x0 = x[d];
    for i in 0..d {
        let mut s = x0;
        for v in &x[i..d] {
            s += *v;
        }
        out[i] = s;
    }
    for i in 0..r {
        let mut s = sys.phi[i] * x0;
        if i + 1 < r {
            s += x[d + i + 1];
        }
        out[d + i] = s;
    }
    out
}

/// The r-state ARMA filter over `w` (time indexes `t0..`), from the predicted `a`, `p`
/// (upper triangle used). Returns `(Σ ln F, Σ v²/F)`.
fn arma_phase<S: Real, R: Recorder<S>>(
    w: &[f64],
    t0: usize,
    sys: &ArmaSs<S>,
    offset: Option<S>,
    a: &mut [S; MAX_R],
    p: &mut Mat<S>,
    rec: &mut R,
) -> Result<(S, S), FilterError> {
    let r = sys.r;
    let zero = S::cst(0.0);
    let mut q = [[zero; MAX_R]; MAX_R];
    for i in 0..r {
        for j in i..r {
            q[i][j] = sys.rv[i] * sys.rv[j] * sys.sigma2;
        }
    }
    let phi = sys.phi;
    let has_offset = offset.is_some();
    // w_t − c = (w_t − c₀) − δ with c₀ the value of c and δ = c − c₀ (value 0, the
    // derivatives of c): the data stay plain numbers, and no precision is lost to a large
    // level (φ_i (w_t − c) = φ_i (w_t − c₀) − φ_i δ).
    let c0 = offset.map_or(0.0, |c| c.val());
    let offset = offset.map_or(zero, |c| c - c0);
    let pc: [S; MAX_R] = std::array::from_fn(|i| phi[i] * offset);
    let mut sum_log_f = zero;
    let mut sum_q = zero;
    let mut t = 0;
    while t < w.len() {
        let x = w[t] - c0;
        let f = p[0][0];
        let fv = f.val();
        if !(fv > 0.0 && fv.is_finite()) {
            return Err(FilterError::BadVariance);
        }
        let v = -(a[0] + offset) + x;
        rec.record(t0 + t, v, f);
        let finv = f.recip();
        sum_log_f += f.ln();
        sum_q += v * v * finv;
        // State: a'_i = φ_i x + a_{i+1} + k_{i+1} v, k_i = P_0i / F.
        let vf = v * finv;
        for i in 0..r - 1 {
            a[i] = sys.phi[i] * x - pc[i] + a[i + 1] + p[0][i + 1] * vf;
        }
        a[r - 1] = phi[r - 1] * x - pc[r - 1];
        // Covariance (upper triangle, ascending order reads only not-yet-written entries).
        let g: [S; MAX_R] = std::array::from_fn(|i| if i + 1 < r { p[0][i + 1] } else { zero });
        let mut maxdiff = 0.0_f64;
        for i in 0..r {
            let gi = g[i] * finv;
            for j in i..r {
                let new = if j + 1 < r {
                    p[i + 1][j + 1] - gi * g[j] + q[i][j]
                } else {
                    q[i][j]
                };
                maxdiff = maxdiff.max((new.val() - p[i][j].val()).abs());
                p[i][j] = new;
            }
        }
        t += 1;
        if maxdiff <= STEADY_TOL * p[0][0].val() {
            break;
        }
    }
    if t < w.len() {
        // Frozen gain: F = P_00, k_i = P_0i / F.
        let f = p[0][0];
        let fv = f.val();
        if !(fv > 0.0 && fv.is_finite()) {
            return Err(FilterError::BadVariance);
        }
        let finv = f.recip();
        let k: [S; MAX_R] =
            std::array::from_fn(|i| if i + 1 < r { p[0][i + 1] * finv } else { zero });
        let sv2 = if has_offset {
            steady::<S, R, true>(&w[t..], c0, t0 + t, r, &phi, &pc, offset, &k, f, a, rec)
        } else {
            steady::<S, R, false>(&w[t..], c0, t0 + t, r, &phi, &pc, offset, &k, f, a, rec)
        };
        sum_log_f += f.ln() * S::cst((w.len() - t) as f64);
        sum_q += sv2 * finv;
    }
    Ok((sum_log_f, sum_q))
}

/// The frozen-gain recursion: `Σ v_t²` over `w − c₀`, updating `a`. `C` is false when
/// there is no constant (d > 0), which drops the `δ` terms from the hot loop.
#[allow(clippy::too_many_arguments)]
#[inline]
fn steady<S: Real, R: Recorder<S>, const C: bool>(
    w: &[f64],
    c0: f64,
    t0: usize,
    r: usize,
    phi: &[S; MAX_R],
    pc: &[S; MAX_R],
    offset: S,
    k: &[S; MAX_R],
    f: S,
    a: &mut [S; MAX_R],
    rec: &mut R,
) -> S {
    let mut sv2 = S::cst(0.0);
    if r == 1 {
        let (p0, pc0, mut a0) = (phi[0], pc[0], a[0]);
        for (i, &wt) in w.iter().enumerate() {
            let x = wt - c0;
            let v = if C { -(a0 + offset) + x } else { -a0 + x };
            rec.record(t0 + i, v, f);
            sv2 += v * v;
            a0 = if C { p0 * x - pc0 } else { p0 * x };
        }
        a[0] = a0;
    } else {
        for (i, &wt) in w.iter().enumerate() {
            let x = wt - c0;
            let v = if C { -(a[0] + offset) + x } else { -a[0] + x };
            rec.record(t0 + i, v, f);
            sv2 += v * v;
            for j in 0..r - 1 {
                let ax = phi[j] * x + a[j + 1] + k[j] * v;
                a[j] = if C { ax - pc[j] } else { ax };
            }
            a[r - 1] = if C {
                phi[r - 1] * x - pc[r - 1]
            } else {
                phi[r - 1] * x
            };
        }
    }
    sv2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar1_stationary_variance() {
        let sys = ArmaSs::new(&[0.5_f64], &[], 2.0);
        let p = sys.stationary_cov().unwrap();
        assert!((p[0][0] - 2.0 / 0.75).abs() < 1e-14);
    }

    #[test]
    fn arma_stationary_cov_solves_lyapunov() {
        let sys = ArmaSs::new(&[0.6_f64, -0.25], &[0.4, 0.2], 1.3);
        let p = sys.stationary_cov().unwrap();
        let r = sys.r;
        // Check P = T P T' + σ² R R'.
        for i in 0..r {
            for j in 0..r {
                let tpt = {
                    let mut s = 0.0;
                    for k in 0..r {
                        for l in 0..r {
                            let tik = if k == 0 {
                                sys.phi[i]
                            } else if k == i + 1 {
                                1.0
                            } else {
                                0.0
                            };
                            let tjl = if l == 0 {
                                sys.phi[j]
                            } else if l == j + 1 {
                                1.0
                            } else {
                                0.0
                            };
                            s += tik * tjl * p[k][l];
                        }
                    }
                    s
                };
                let rhs = tpt + sys.rv[i] * sys.rv[j] * 1.3;
                assert!((p[i][j] - rhs).abs() < 1e-12, "{i},{j}");
            }
        }
        let ma = ArmaSs::new(&[], &[0.4_f64, 0.2], 1.0);
        let p = ma.stationary_cov().unwrap();
        assert!((p[0][0] - (1.0 + 0.16 + 0.04)).abs() < 1e-14);
        assert_eq!(
            ArmaSs::new(&[1.0_f64], &[], 1.0)
                .stationary_cov()
                .unwrap_err(),
            FilterError::NotStationary
        );
    }

    #[test]
    fn difference_of_order_two() {
        assert_eq!(difference(&[1.0, 4.0, 9.0, 16.0], 2), vec![2.0, 2.0]);
        assert!(difference(&[1.0], 1).is_empty());
    }
}
