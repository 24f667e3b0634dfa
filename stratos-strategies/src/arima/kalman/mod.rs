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

mod integration;
#[cfg(test)]
mod tests;

pub(crate) use integration::Integration;
#[cfg(test)]
pub(crate) use integration::difference;

use crate::arima::constrain::MAX_LAG;
use crate::linalg::{Real, solve_in_place};

/// Largest ARMA state dimension of a non-seasonal model, `max(p, q + 1)` with p, q ≤ 10.
pub(crate) const MAX_R: usize = MAX_LAG + 1;
/// Largest ARMA state dimension of a seasonal model, `max(p + sP, q + sQ + 1)`.
pub(crate) const MAX_SR: usize = 40;
/// The smallest state capacity, `max(p, q + 1) ≤ 4` (e.g. ARIMA(2, d, 2), (3, d, 3)).
const SMALL_R: usize = 4;
/// The middle state capacity (the airline model and its neighbours have r ≤ 16).
const MID_R: usize = 16;
/// Largest integration order (regular or seasonal).
pub(crate) const MAX_D: usize = 2;
/// statsmodels' approximate diffuse prior variance (`initial_variance`, data units).
pub(crate) const KAPPA: f64 = 1e6;
/// Relative change of every entry of P below which the filter is taken as converged.
const STEADY_TOL: f64 = 1e-14;

/// An `r × r` matrix on the stack, with room for `C` states.
pub(crate) type Mat<S, const C: usize> = [[S; C]; C];

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

/// The ARMA block of the state-space form (for a seasonal model, of the expanded polynomials
/// `φ(L)Φ(L^s)` and `θ(L)Θ(L^s)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArmaSs<S> {
    /// State dimension `max(p, q + 1)` of the (expanded) polynomials.
    pub(crate) r: usize,
    /// `φ_1..φ_r` (zero-padded).
    pub(crate) phi: [S; MAX_SR],
    /// `R = [1, θ_1, …, θ_{r-1}]` (zero-padded).
    pub(crate) rv: [S; MAX_SR],
    /// Innovation variance.
    pub(crate) sigma2: S,
}

impl<S: Real> ArmaSs<S> {
    /// The system for `ar` (φ), `ma` (θ) and `sigma2`; lags beyond the capacity are
    /// truncated (the callers validate the orders first).
    pub(crate) fn new(ar: &[S], ma: &[S], sigma2: S) -> Self {
        let p = ar.len().min(MAX_SR);
        let q = ma.len().min(MAX_SR - 1);
        let r = p.max(q + 1);
        let mut phi = [S::cst(0.0); MAX_SR];
        let mut rv = [S::cst(0.0); MAX_SR];
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
    pub(crate) fn stationary_cov<const C: usize>(&self) -> Result<Mat<S, C>, FilterError> {
        let r = self.r.min(C);
        let zero = S::cst(0.0);
        let phi = &self.phi;
        let rv = &self.rv;
        // A s = b, A = I − C.
        let mut a2 = [[zero; C]; C];
        let a = a2.as_flattened_mut();
        let mut b = [zero; C];
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
        let mut out = [[zero; C]; C];
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
    /// Predicted ARMA state for time n (r values).
    pub(crate) a: Vec<S>,
    /// Its covariance (full, symmetric), row-major r × r.
    pub(crate) p: Vec<S>,
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
    /// `(1 − L)^d (1 − L^s)^D y` (length `n − d − s·D`).
    pub(crate) w: &'a [f64],
    /// The differencing.
    pub(crate) integ: Integration,
    /// Start for d + D > 0.
    pub(crate) start: Start,
}

/// Runs the filter over `data` for the ARMA system `sys`, with `offset` (the constant, when
/// d = D = 0) subtracted from the data of the ARMA block.
///
/// # Errors
/// [`FilterError`] when the AR part is not stationary or a variance is not positive.
pub(crate) fn filter<S: Real, R: Recorder<S>>(
    data: &Data<'_>,
    sys: &ArmaSs<S>,
    offset: Option<S>,
    rec: &mut R,
) -> Result<FilterOut<S>, FilterError> {
    // The smallest stack capacity that holds the ARMA state (one monomorphisation each): the
    // small orders most fits use keep their matrices (zeroed and copied once per pass) in a
    // few cache lines.
    if sys.r <= SMALL_R {
        filter_in::<S, R, SMALL_R>(data, sys, offset, rec)
    } else if sys.r <= MAX_R {
        filter_in::<S, R, MAX_R>(data, sys, offset, rec)
    } else if sys.r <= MID_R {
        filter_in::<S, R, MID_R>(data, sys, offset, rec)
    } else if sys.r <= MAX_SR {
        filter_in::<S, R, MAX_SR>(data, sys, offset, rec)
    } else {
        Err(FilterError::NotStationary)
    }
}

fn filter_in<S: Real, R: Recorder<S>, const C: usize>(
    data: &Data<'_>,
    sys: &ArmaSs<S>,
    offset: Option<S>,
    rec: &mut R,
) -> Result<FilterOut<S>, FilterError> {
    let r = sys.r;
    let k = data.integ.k();
    let mut p = sys.stationary_cov::<C>()?;
    let mut a = [S::cst(0.0); C];
    if k > 0 {
        match data.start {
            Start::Approximate => diffuse_phase(data.y, &data.integ, sys, &mut a, &mut p, rec)?,
            Start::Differenced => {
                let d = data.integ.d;
                for t in 0..k.min(data.y.len()) {
                    let fit = if data.integ.sd == 0 {
                        // The integration states that y_0..y_{t-1} pin down, the rest at 0.
                        let mut fit = 0.0;
                        let mut row: Vec<f64> = data.y[..t].to_vec();
                        while let Some(&last) = row.last() {
                            fit += last;
                            row = row.windows(2).map(|w| w[1] - w[0]).collect();
                        }
                        fit
                    } else {
                        // The differencing polynomial's prediction from the observed lags.
                        differencing_prediction(data.y, t, d, data.integ.sd, data.integ.s)
                    };
                    rec.record(t, S::cst(data.y[t] - fit), S::cst(f64::NAN));
                }
            }
        }
    }
    let (sum_log_f, sum_q) = arma_phase(data.w, k, sys, offset, &mut a, &mut p, rec)?;
    for i in 0..r {
        for j in 0..i {
            p[i][j] = p[j][i];
        }
    }
    Ok(FilterOut {
        sum_log_f,
        sum_q,
        n_terms: data.w.len(),
        a: a[..r].to_vec(),
        p: (0..r).flat_map(|i| p[i][..r].to_vec()).collect(),
    })
}

/// `Σ_j c_j y_{t-j}` over the observed lags `j ≤ t`, where `1 − Σ_j c_j L^j =
/// (1 − L)^d (1 − L^s)^D`.
fn differencing_prediction(y: &[f64], t: usize, d: usize, sd: usize, s: usize) -> f64 {
    let mut poly = vec![1.0];
    let mul = |poly: &[f64], lag: usize| {
        let mut out = vec![0.0; poly.len() + lag];
        for (i, c) in poly.iter().enumerate() {
            out[i] += c;
            out[i + lag] -= c;
        }
        out
    };
    for _ in 0..d {
        poly = mul(&poly, 1);
    }
    for _ in 0..sd {
        poly = mul(&poly, s);
    }
    poly.iter()
        .enumerate()
        .skip(1)
        .filter(|(j, _)| *j <= t)
        .map(|(j, c)| -c * y[t - j])
        .sum()
}

/// A coefficient of the full transition `T`: 1, or the AR coefficient `φ_i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coef {
    One,
    Phi(usize),
}

/// `c · x`.
#[inline]
fn term<S: Real>(c: Coef, x: S, phi: &[S]) -> S {
    match c {
        Coef::One => x,
        Coef::Phi(i) => phi[i] * x,
    }
}

/// The full `[integration states, ARMA]` system — transition `T` ([`apply_t`]) and state
/// noise `Q = σ² R R'` on the ARMA block — for the steps that carry the whole state: the
/// approximate diffuse start and the forecasts.
///
/// `T` is kept as sparse rows: row i of `T x` is `Σ c · x_a` over its terms, summed in the
/// order [`apply_t`] sums, with the AR terms whose coefficient is zero in value and every
/// derivative left out (all of them in the airline model). Most rows of a seasonal model's
/// transition are then a single unit term, a shift, and `T P` is mostly row copies.
pub(crate) struct FullSystem<'a, S> {
    integ: Integration,
    sys: &'a ArmaSs<S>,
    /// Row i's terms are `terms[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    terms: Vec<(usize, Coef)>,
    /// Whether `φ_i` is not identically zero.
    live: [bool; MAX_SR],
    /// `σ² R_i R_j`, r × r row-major.
    q: Vec<S>,
    /// Scratch: `T a`, `T P` (its rows that are not shifts), and the matrix the next `P`
    /// is built in.
    ta: Vec<S>,
    tp: Vec<S>,
    spare: Vec<S>,
}

impl<'a, S: Real> FullSystem<'a, S> {
    /// The system of `integ` and `sys`.
    pub(crate) fn new(integ: Integration, sys: &'a ArmaSs<S>) -> Self {
        let (d, k, r) = (integ.d, integ.k(), sys.r);
        let zero = S::cst(0.0);
        let live: [bool; MAX_SR] = std::array::from_fn(|i| sys.phi[i] != zero);
        let mut starts = Vec::with_capacity(k + r + 1);
        let mut terms = Vec::with_capacity(3 * (k + r));
        for i in 0..d {
            starts.push(terms.len());
            terms.push((k, Coef::One));
            terms.extend((i..d).map(|a| (a, Coef::One)));
            terms.extend((0..integ.sd).map(|j| (integ.last(j), Coef::One)));
        }
        for j in 0..integ.sd {
            let b = d + j * integ.s;
            starts.push(terms.len());
            terms.push((k, Coef::One));
            terms.extend((j..integ.sd).map(|jj| (integ.last(jj), Coef::One)));
            for i in 1..integ.s {
                starts.push(terms.len());
                terms.push((b + i - 1, Coef::One));
            }
        }
        for i in 0..r {
            starts.push(terms.len());
            if live[i] {
                terms.push((k, Coef::Phi(i)));
            }
            if i + 1 < r {
                terms.push((k + i + 1, Coef::One));
            }
        }
        starts.push(terms.len());
        let mut q = vec![zero; r * r];
        for i in 0..r {
            for j in 0..r {
                q[i * r + j] = sys.rv[i] * sys.rv[j] * sys.sigma2;
            }
        }
        let m = k + r;
        FullSystem {
            integ,
            sys,
            starts,
            terms,
            live,
            q,
            ta: vec![zero; m],
            tp: vec![zero; m * m],
            spare: vec![zero; m * m],
        }
    }

    /// The state dimension `d + s·D + r`.
    pub(crate) fn m(&self) -> usize {
        self.integ.k() + self.sys.r
    }

    /// The prediction step: `a ← T a`, `P ← T P T' + Q` (`P` row-major `m × m`, both
    /// triangles). `T P` is formed row by row from the sparse rows of `T` (a shift row's is a
    /// row of `P` itself, not copied), then each row of it is multiplied by `T'` with
    /// [`apply_t`] into a spare matrix that then takes `P`'s place: the same sums in the same
    /// order as two dense passes of [`apply_t`], for O(m · nnz(T)) arithmetic.
    pub(crate) fn predict(&mut self, a: &mut [S], p: &mut Vec<S>) {
        let m = self.m();
        let (k, r) = (self.integ.k(), self.sys.r);
        let phi = &self.sys.phi[..r];
        let zero = S::cst(0.0);
        for i in 0..m {
            let row = &self.terms[self.starts[i]..self.starts[i + 1]];
            self.ta[i] = match row {
                [] => zero,
                [(a0, c0), rest @ ..] => {
                    let mut s = term(*c0, a[*a0], phi);
                    for &(x, c) in rest {
                        s += term(c, a[x], phi);
                    }
                    s
                }
            };
        }
        a[..m].copy_from_slice(&self.ta);
        // Row i of T P; a shift row's is row x of P, read from P itself below.
        for i in 0..m {
            let out = &mut self.tp[i * m..(i + 1) * m];
            match &self.terms[self.starts[i]..self.starts[i + 1]] {
                [] => out.fill(zero),
                [(_, Coef::One)] => {}
                [(x0, c0), rest @ ..] => {
                    for (o, &x) in out.iter_mut().zip(&p[x0 * m..(x0 + 1) * m]) {
                        *o = term(*c0, x, phi);
                    }
                    for &(x, c) in rest {
                        for (o, &v) in out.iter_mut().zip(&p[x * m..(x + 1) * m]) {
                            *o += term(c, v, phi);
                        }
                    }
                }
            }
        }
        // (T P) T' into the spare matrix, which then changes places with P (the shift rows
        // of T P were P's own rows: no copies of them).
        for i in 0..m {
            let tp_row = match &self.terms[self.starts[i]..self.starts[i + 1]] {
                [(x, Coef::One)] => &p[x * m..(x + 1) * m],
                _ => &self.tp[i * m..(i + 1) * m],
            };
            apply_t(
                tp_row,
                &self.integ,
                self.sys,
                &self.live,
                &mut self.spare[i * m..(i + 1) * m],
            );
        }
        for i in 0..r {
            let row = &mut self.spare[(k + i) * m + k..(k + i + 1) * m];
            for (x, &qv) in row.iter_mut().zip(&self.q[i * r..(i + 1) * r]) {
                *x += qv;
            }
        }
        std::mem::swap(p, &mut self.spare);
    }
}

/// The first `d + s·D` steps with the full `[integration states, ARMA]` state; leaves the
/// ARMA block's predicted mean and covariance for time `d + s·D` in `a` and `p`.
fn diffuse_phase<S: Real, R: Recorder<S>, const C: usize>(
    y: &[f64],
    integ: &Integration,
    sys: &ArmaSs<S>,
    a: &mut [S; C],
    p: &mut Mat<S, C>,
    rec: &mut R,
) -> Result<(), FilterError> {
    let r = sys.r;
    let d = integ.k();
    let mut full = FullSystem::new(*integ, sys);
    let m = full.m();
    let z = integ.design();
    let zero = S::cst(0.0);
    let mut fa = vec![zero; m];
    let mut fp = vec![zero; m * m];
    for i in 0..d {
        fp[i * m + i] = S::cst(KAPPA);
    }
    for i in 0..r {
        fp[(d + i) * m + d..(d + i + 1) * m].copy_from_slice(&p[i][..r]);
    }
    let mut mz = vec![zero; m];
    for (t, &yt) in y.iter().enumerate().take(d) {
        let mut pred = zero;
        for &i in &z {
            pred += fa[i];
        }
        let v = S::cst(yt) - pred;
        for i in 0..m {
            let row = &fp[i * m..(i + 1) * m];
            let mut s = zero;
            for &j in &z {
                s += row[j];
            }
            mz[i] = s;
        }
        let mut f = zero;
        for &i in &z {
            f += mz[i];
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
            for (x, &mj) in fp[i * m..(i + 1) * m].iter_mut().zip(&mz) {
                *x -= mi * mj;
            }
        }
        // Predicted: T a, T P T' + Q.
        full.predict(&mut fa, &mut fp);
    }
    for i in 0..r {
        a[i] = fa[d + i];
        p[i][..r].copy_from_slice(&fp[(d + i) * m + d..(d + i + 1) * m]);
    }
    Ok(())
}

/// `out = T x` for the full state `[integration states, ARMA (r)]` (see [`Integration`];
/// statsmodels' transition with `hamilton_representation=False`), leaving out the AR terms
/// `φ_i x_0` where `live[i]` is false (`φ_i` identically zero: the same sum but for the sign of
/// a zero).
#[inline]
fn apply_t<S: Real>(
    x: &[S],
    integ: &Integration,
    sys: &ArmaSs<S>,
    live: &[bool; MAX_SR],
    out: &mut [S],
) {
    let r = sys.r;
    let d = integ.d;
    let k = integ.k();
    let x0 = x[k];
    for i in 0..d {
        let mut s = x0;
        for v in &x[i..d] {
            s += *v;
        }
        for j in 0..integ.sd {
            s += x[integ.last(j)];
        }
        out[i] = s;
    }
    for j in 0..integ.sd {
        let b = d + j * integ.s;
        let mut s = x0;
        for jj in j..integ.sd {
            s += x[integ.last(jj)];
        }
        out[b] = s;
        if integ.s > 1 {
            out[b + 1..b + integ.s].copy_from_slice(&x[b..b + integ.s - 1]);
        }
    }
    for i in 0..r {
        let next = if i + 1 < r { Some(x[k + i + 1]) } else { None };
        out[k + i] = match (live[i], next) {
            (true, Some(n)) => sys.phi[i] * x0 + n,
            (true, None) => sys.phi[i] * x0,
            (false, Some(n)) => n,
            (false, None) => S::cst(0.0),
        };
    }
}

/// The r-state ARMA filter over `w` (time indexes `t0..`), from the predicted `a`, `p`
/// (upper triangle used). Returns `(Σ ln F, Σ v²/F)`.
fn arma_phase<S: Real, R: Recorder<S>, const C: usize>(
    w: &[f64],
    t0: usize,
    sys: &ArmaSs<S>,
    offset: Option<S>,
    a: &mut [S; C],
    p: &mut Mat<S, C>,
    rec: &mut R,
) -> Result<(S, S), FilterError> {
    let r = sys.r;
    let zero = S::cst(0.0);
    let mut q = [[zero; C]; C];
    for i in 0..r {
        for j in i..r {
            q[i][j] = sys.rv[i] * sys.rv[j] * sys.sigma2;
        }
    }
    let phi: [S; C] = std::array::from_fn(|i| sys.phi[i]);
    let q_live: [bool; C] = std::array::from_fn(|i| i < r && sys.rv[i] != zero);
    let has_offset = offset.is_some();
    // w_t − c = (w_t − c₀) − δ with c₀ the value of c and δ = c − c₀ (value 0, the
    // derivatives of c): the data stay plain numbers, and no precision is lost to a large
    // level (φ_i (w_t − c) = φ_i (w_t − c₀) − φ_i δ).
    let c0 = offset.map_or(0.0, |c| c.val());
    let offset = offset.map_or(zero, |c| c - c0);
    let pc: [S; C] = std::array::from_fn(|i| phi[i] * offset);
    // No AR polynomial (e.g. the airline model) and no constant: the state update is the
    // shift plus the gain alone (the dropped terms are zeros).
    let pure_ma = !has_offset && phi[..r].iter().all(|f| *f == zero);
    // Σ ln F_t: the value from a running product of the F_t (folded into `log_acc` before it
    // can overflow or underflow; one `ln` per fold instead of one per step, ~10% of a fit),
    // the derivatives from `Σ (F_t − F_t.val()) / F_t.val()` (value exactly 0).
    let mut log_prod = 1.0_f64;
    let mut log_acc = 0.0_f64;
    let mut dlog_f = zero;
    let mut sum_q = zero;
    // P_{0,i+1} of the previous step (P's first row is overwritten by the update).
    let mut g = [zero; C];
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
        log_prod *= fv;
        if !(1e-150..=1e150).contains(&log_prod) {
            log_acc += log_prod.ln();
            log_prod = 1.0;
        }
        dlog_f += (f - fv) * (1.0 / fv);
        sum_q += v * v * finv;
        // State: a'_i = φ_i x + a_{i+1} + k_{i+1} v, k_i = P_0i / F.
        let vf = v * finv;
        if pure_ma {
            for i in 0..r - 1 {
                a[i] = a[i + 1] + p[0][i + 1] * vf;
            }
            a[r - 1] = zero;
        } else {
            for i in 0..r - 1 {
                a[i] = sys.phi[i] * x - pc[i] + a[i + 1] + p[0][i + 1] * vf;
            }
            a[r - 1] = phi[r - 1] * x - pc[r - 1];
        }
        // Covariance (upper triangle, ascending order reads only not-yet-written entries).
        // Copied into a buffer that lives across steps: building a fresh `[S; C]` each step
        // cost a 616-byte memcpy per step with 6 dual lanes (15% of a fit).
        g[..r - 1].copy_from_slice(&p[0][1..r]);
        let step = CovStep {
            g: &g,
            q: &q,
            q_live: &q_live,
            finv,
            r,
        };
        let converged = cov_step(p, &step);
        t += 1;
        if converged {
            break;
        }
    }
    let mut sum_log_f = dlog_f + (log_acc + log_prod.ln());
    if t < w.len() {
        // Frozen gain: F = P_00, k_i = P_0i / F.
        let f = p[0][0];
        let fv = f.val();
        if !(fv > 0.0 && fv.is_finite()) {
            return Err(FilterError::BadVariance);
        }
        let finv = f.recip();
        let k: [S; C] = std::array::from_fn(|i| if i + 1 < r { p[0][i + 1] * finv } else { zero });
        let sv2 = if has_offset {
            steady::<S, R, C, true>(&w[t..], c0, t0 + t, r, &phi, &pc, offset, &k, f, a, rec)
        } else {
            steady::<S, R, C, false>(&w[t..], c0, t0 + t, r, &phi, &pc, offset, &k, f, a, rec)
        };
        sum_log_f += f.ln() * S::cst((w.len() - t) as f64);
        sum_q += sv2 * finv;
    }
    Ok((sum_log_f, sum_q))
}

/// Entry (i, j), j ≥ i, of the ARMA filter's next predicted covariance,
/// `P_{i+1,j+1} − g_i g_j / F + σ² R_i R_j`: `below` is row i + 1 of P, `gi = g_i / F`, and
/// `q` is `σ² R_i R_j`, `None` for a row of R R' that is identically zero (most of a
/// seasonal MA's).
#[inline(always)]
fn cov_entry<S: Real, const C: usize>(
    below: Option<&[S; C]>,
    gi: S,
    g: &[S; C],
    j: usize,
    r: usize,
    q: Option<S>,
) -> S {
    let mut new = match below {
        Some(below) if j + 1 < r => below[j + 1] - gi * g[j],
        _ => S::cst(0.0),
    };
    if let Some(q) = q {
        new += q;
    }
    new
}

/// What one covariance step of the ARMA filter reads besides P.
struct CovStep<'a, S, const C: usize> {
    /// The previous first row, `g_j = P_{0,j+1}` (P's first row is overwritten by the update).
    g: &'a [S; C],
    /// `σ² R_i R_j` (upper triangle).
    q: &'a Mat<S, C>,
    /// The rows of `R R'` that are not identically zero.
    q_live: &'a [bool; C],
    /// `1 / F`.
    finv: S,
    /// The state dimension.
    r: usize,
}

/// The ARMA filter's covariance step in place; true when it converged: no entry moved by more
/// than `STEADY_TOL · P_00` (the new P_00).
///
/// For states above [`SMALL_R`], P_00 is computed first: while it alone moves by more, the
/// step cannot be the converged one and the other entries' changes are not tracked (the
/// common case: a slowly converging filter, e.g. a seasonal MA near −1, never converges
/// within the data). The small states, whose filter converges within a few dozen steps and
/// whose update is a handful of entries, always track: there the extra entry costs more.
#[inline(always)]
fn cov_step<S: Real, const C: usize>(p: &mut Mat<S, C>, step: &CovStep<'_, S, C>) -> bool {
    if C > SMALL_R {
        let q00 = step.q_live[0].then(|| step.q[0][0]);
        let new00 = cov_entry(p.get(1), step.g[0] * step.finv, step.g, 0, step.r, q00);
        let tol = STEADY_TOL * new00.val();
        if (new00.val() - p[0][0].val()).abs() <= tol {
            cov_update::<S, C, true>(p, step) <= tol
        } else {
            cov_update::<S, C, false>(p, step);
            false
        }
    } else {
        let maxdiff = cov_update::<S, C, true>(p, step);
        maxdiff <= STEADY_TOL * p[0][0].val()
    }
}

/// The covariance update in place (upper triangle, ascending order reads only entries not
/// yet written). With `TRACK`, returns the largest change of an entry (kept in four running
/// maxima: one chain through every entry would be the loop's critical path); else 0.
#[inline(never)]
fn cov_update<S: Real, const C: usize, const TRACK: bool>(
    p: &mut Mat<S, C>,
    step: &CovStep<'_, S, C>,
) -> f64 {
    let &CovStep {
        g,
        q,
        q_live,
        finv,
        r,
    } = step;
    let mut maxdiff = [0.0_f64; 4];
    if !TRACK {
        // The same sums as `cov_entry`, in branch-free loops: the shifted row minus the
        // rank-one term, the last column 0 (`P_{0,r} = 0`), then the noise row if any.
        for i in 0..r {
            let gi = g[i] * finv;
            let (head, tail) = p.split_at_mut(i + 1);
            let row = &mut head[i];
            if let Some(below) = tail.first().filter(|_| i + 1 < r) {
                for ((x, &b), &gj) in row[i..r - 1]
                    .iter_mut()
                    .zip(&below[i + 1..r])
                    .zip(&g[i..r - 1])
                {
                    *x = b - gi * gj;
                }
            }
            row[r - 1] = S::cst(0.0);
            if q_live[i] {
                for (x, &qv) in row[i..r].iter_mut().zip(&q[i][i..r]) {
                    *x += qv;
                }
            }
        }
        return 0.0;
    }
    for i in 0..r {
        let gi = g[i] * finv;
        let (head, tail) = p.split_at_mut(i + 1);
        let (row, below) = (&mut head[i], tail.first());
        for j in i..r {
            let new = cov_entry(below, gi, g, j, r, q_live[i].then(|| q[i][j]));
            if TRACK {
                let diff = (new.val() - row[j].val()).abs();
                let m = &mut maxdiff[j & 3];
                *m = if diff > *m { diff } else { *m };
            }
            row[j] = new;
        }
    }
    maxdiff[0].max(maxdiff[1]).max(maxdiff[2].max(maxdiff[3]))
}

/// The frozen-gain recursion: `Σ v_t²` over `w − c₀`, updating `a`. `C` is false when
/// there is no constant (d > 0), which drops the `δ` terms from the hot loop.
#[allow(clippy::too_many_arguments)]
#[inline]
fn steady<S: Real, R: Recorder<S>, const N: usize, const C: bool>(
    w: &[f64],
    c0: f64,
    t0: usize,
    r: usize,
    phi: &[S; N],
    pc: &[S; N],
    offset: S,
    k: &[S; N],
    f: S,
    a: &mut [S; N],
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
