//! Small dense numerics for the model code: a scalar trait implemented by `f64` and by
//! forward-mode dual numbers (so one generic Kalman filter yields the log-likelihood and its
//! exact gradient), Gaussian elimination with partial pivoting, and Householder least squares.
//!
//! Everything here is sized for the tiny systems of ARIMA models (at most a few dozen
//! unknowns); nothing allocates except the least-squares helper.

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A real scalar: `f64`, or a dual number carrying derivatives along with the value.
pub(crate) trait Real:
    Copy
    + Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// A constant (zero derivatives).
    fn cst(x: f64) -> Self;
    /// The value, derivatives dropped.
    fn val(self) -> f64;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Exponential.
    fn exp(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `1 / self`.
    fn recip(self) -> Self;
}

impl Real for f64 {
    #[inline]
    fn cst(x: f64) -> Self {
        x
    }
    #[inline]
    fn val(self) -> f64 {
        self
    }
    #[inline]
    fn ln(self) -> Self {
        f64::ln(self)
    }
    #[inline]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline]
    fn recip(self) -> Self {
        1.0 / self
    }
}

/// A forward-mode dual number with `N` derivative directions: `v + Σ d_i ε_i`, `ε_i ε_j = 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Dual<const N: usize> {
    /// The value.
    pub(crate) v: f64,
    /// The derivatives.
    pub(crate) d: [f64; N],
}

impl<const N: usize> Dual<N> {
    /// The independent variable number `lane` at value `v` (derivative 1 along `lane`; a `lane`
    /// of `N` or more gives a constant).
    pub(crate) fn var(v: f64, lane: usize) -> Self {
        let mut d = [0.0; N];
        if let Some(slot) = d.get_mut(lane) {
            *slot = 1.0;
        }
        Dual { v, d }
    }

    #[inline]
    fn chain(self, v: f64, dv: f64) -> Self {
        let mut d = self.d;
        for x in &mut d {
            *x *= dv;
        }
        Dual { v, d }
    }
}

impl<const N: usize> Add for Dual<N> {
    type Output = Self;
    #[inline]
    fn add(self, o: Self) -> Self {
        let mut d = self.d;
        for (x, y) in d.iter_mut().zip(o.d) {
            *x += y;
        }
        Dual { v: self.v + o.v, d }
    }
}

impl<const N: usize> Sub for Dual<N> {
    type Output = Self;
    #[inline]
    fn sub(self, o: Self) -> Self {
        let mut d = self.d;
        for (x, y) in d.iter_mut().zip(o.d) {
            *x -= y;
        }
        Dual { v: self.v - o.v, d }
    }
}

impl<const N: usize> Mul for Dual<N> {
    type Output = Self;
    #[inline]
    fn mul(self, o: Self) -> Self {
        let mut d = [0.0; N];
        for ((z, x), y) in d.iter_mut().zip(self.d).zip(o.d) {
            *z = x * o.v + self.v * y;
        }
        Dual { v: self.v * o.v, d }
    }
}

impl<const N: usize> Div for Dual<N> {
    type Output = Self;
    #[inline]
    fn div(self, o: Self) -> Self {
        let inv = 1.0 / o.v;
        let v = self.v * inv;
        let mut d = [0.0; N];
        for ((z, x), y) in d.iter_mut().zip(self.d).zip(o.d) {
            *z = (x - v * y) * inv;
        }
        Dual { v, d }
    }
}

impl<const N: usize> Neg for Dual<N> {
    type Output = Self;
    #[inline]
    fn neg(self) -> Self {
        let mut d = self.d;
        for x in &mut d {
            *x = -*x;
        }
        Dual { v: -self.v, d }
    }
}

impl<const N: usize> Add<f64> for Dual<N> {
    type Output = Self;
    #[inline]
    fn add(self, c: f64) -> Self {
        Dual {
            v: self.v + c,
            d: self.d,
        }
    }
}

impl<const N: usize> Sub<f64> for Dual<N> {
    type Output = Self;
    #[inline]
    fn sub(self, c: f64) -> Self {
        Dual {
            v: self.v - c,
            d: self.d,
        }
    }
}

impl<const N: usize> Mul<f64> for Dual<N> {
    type Output = Self;
    #[inline]
    fn mul(self, c: f64) -> Self {
        let mut d = self.d;
        for x in &mut d {
            *x *= c;
        }
        Dual { v: self.v * c, d }
    }
}

impl<const N: usize> AddAssign for Dual<N> {
    #[inline]
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl<const N: usize> SubAssign for Dual<N> {
    #[inline]
    fn sub_assign(&mut self, o: Self) {
        *self = *self - o;
    }
}

impl<const N: usize> MulAssign for Dual<N> {
    #[inline]
    fn mul_assign(&mut self, o: Self) {
        *self = *self * o;
    }
}

impl<const N: usize> Real for Dual<N> {
    #[inline]
    fn cst(x: f64) -> Self {
        Dual { v: x, d: [0.0; N] }
    }
    #[inline]
    fn val(self) -> f64 {
        self.v
    }
    #[inline]
    fn ln(self) -> Self {
        self.chain(self.v.ln(), 1.0 / self.v)
    }
    #[inline]
    fn exp(self) -> Self {
        let e = self.v.exp();
        self.chain(e, e)
    }
    #[inline]
    fn sqrt(self) -> Self {
        let s = self.v.sqrt();
        self.chain(s, 0.5 / s)
    }
    #[inline]
    fn recip(self) -> Self {
        let r = 1.0 / self.v;
        self.chain(r, -r * r)
    }
}

/// A linear system whose matrix is singular to working precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Singular;

/// Solves `A x = b` in place by Gaussian elimination with partial pivoting (pivots chosen by
/// value). `a` is row-major `n × n` and is destroyed; `b` becomes `x`.
///
/// # Errors
/// [`Singular`] when a pivot is zero or the solution is not finite.
pub(crate) fn solve_in_place<S: Real>(a: &mut [S], n: usize, b: &mut [S]) -> Result<(), Singular> {
    if a.len() < n * n || b.len() < n {
        return Err(Singular);
    }
    for col in 0..n {
        // Partial pivoting on the value part.
        let mut piv = col;
        let mut best = a[col * n + col].val().abs();
        for row in col + 1..n {
            let m = a[row * n + col].val().abs();
            if m > best {
                best = m;
                piv = row;
            }
        }
        if best == 0.0 || !best.is_finite() {
            return Err(Singular);
        }
        if piv != col {
            for j in 0..n {
                a.swap(col * n + j, piv * n + j);
            }
            b.swap(col, piv);
        }
        let inv = a[col * n + col].recip();
        for row in col + 1..n {
            // No shortcut on a zero multiplier: a dual number with value 0 may still carry
            // derivatives.
            let f = a[row * n + col] * inv;
            for j in col + 1..n {
                let t = a[col * n + j];
                a[row * n + j] -= f * t;
            }
            let t = b[col];
            b[row] -= f * t;
        }
    }
    for col in (0..n).rev() {
        let mut s = b[col];
        for j in col + 1..n {
            s -= a[col * n + j] * b[j];
        }
        b[col] = s / a[col * n + col];
        if !b[col].val().is_finite() {
            return Err(Singular);
        }
    }
    Ok(())
}

/// Least squares `min ‖X β − y‖₂` by Householder QR. `x` is row-major `rows × cols`.
///
/// Returns `None` when the problem is underdetermined, rank-deficient to working precision
/// (a diagonal of R below `1e-10 ·` the largest), or not finite.
pub(crate) fn lstsq(x: &[f64], rows: usize, cols: usize, y: &[f64]) -> Option<Vec<f64>> {
    if cols == 0 {
        return Some(Vec::new());
    }
    if rows < cols || x.len() != rows * cols || y.len() != rows {
        return None;
    }
    // Column-major copy: Householder works down columns.
    let mut a = vec![0.0; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            a[j * rows + i] = x[i * cols + j];
        }
    }
    let mut b = y.to_vec();
    let mut diag = vec![0.0; cols];
    for k in 0..cols {
        let col = &mut a[k * rows..(k + 1) * rows];
        let norm = col[k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if !norm.is_finite() {
            return None;
        }
        if norm == 0.0 {
            diag[k] = 0.0;
            continue;
        }
        let alpha = if col[k] > 0.0 { -norm } else { norm };
        // v = x - alpha e_k, stored in place; H = I - 2 v v' / v'v.
        col[k] -= alpha;
        let vnorm2: f64 = col[k..].iter().map(|v| v * v).sum();
        diag[k] = alpha;
        if vnorm2 == 0.0 {
            continue;
        }
        let v: Vec<f64> = col[k..].to_vec();
        for j in k + 1..cols {
            let cj = &mut a[j * rows..(j + 1) * rows];
            let dot: f64 = v.iter().zip(&cj[k..]).map(|(p, q)| p * q).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, vi) in cj[k..].iter_mut().zip(&v) {
                *c -= f * vi;
            }
        }
        let dot: f64 = v.iter().zip(&b[k..]).map(|(p, q)| p * q).sum();
        let f = 2.0 * dot / vnorm2;
        for (c, vi) in b[k..].iter_mut().zip(&v) {
            *c -= f * vi;
        }
    }
    let dmax = diag.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if dmax == 0.0 || diag.iter().any(|v| v.abs() <= 1e-10 * dmax) {
        return None;
    }
    let mut beta = vec![0.0; cols];
    for k in (0..cols).rev() {
        let mut s = b[k];
        for j in k + 1..cols {
            s -= a[j * rows + k] * beta[j];
        }
        beta[k] = s / diag[k];
    }
    beta.iter().all(|v| v.is_finite()).then_some(beta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dual_arithmetic_matches_calculus() {
        let x = Dual::<2>::var(1.5, 0);
        let y = Dual::<2>::var(-0.7, 1);
        let (xv, yv) = (1.5_f64, -0.7_f64);
        let g = (x * x + y * y).sqrt() + x.exp() * y - (x / y);
        let gv = (xv * xv + yv * yv).sqrt() + xv.exp() * yv - xv / yv;
        let r = (xv * xv + yv * yv).sqrt();
        let dgx = xv / r + xv.exp() * yv - 1.0 / yv;
        let dgy = yv / r + xv.exp() + xv / (yv * yv);
        assert!((g.v - gv).abs() < 1e-12);
        assert!((g.d[0] - dgx).abs() < 1e-12);
        assert!((g.d[1] - dgy).abs() < 1e-12);
        let h = (x * x + 1.0).ln();
        assert!((h.d[0] - 2.0 * xv / (xv * xv + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn solve_recovers_a_known_solution() {
        let mut a = vec![0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        let x = [1.0, -2.0, 0.5];
        let mut b: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|j| a[i * 3 + j] * x[j]).sum())
            .collect();
        solve_in_place(&mut a, 3, &mut b).unwrap();
        for (g, e) in b.iter().zip(x) {
            assert!((g - e).abs() < 1e-14);
        }
        let mut s = vec![1.0, 2.0, 2.0, 4.0];
        let mut rhs = vec![1.0, 1.0];
        assert_eq!(solve_in_place(&mut s, 2, &mut rhs), Err(Singular));
    }

    #[test]
    fn lstsq_fits_a_line_and_rejects_rank_deficiency() {
        let rows = 5;
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..rows {
            let t = i as f64;
            x.extend([1.0, t]);
            y.push(2.0 - 0.5 * t + if i % 2 == 0 { 0.01 } else { -0.01 });
        }
        let b = lstsq(&x, rows, 2, &y).unwrap();
        assert!((b[0] - 2.0).abs() < 0.02 && (b[1] + 0.5).abs() < 0.01);
        let dup: Vec<f64> = (0..rows).flat_map(|i| [i as f64, i as f64]).collect();
        assert!(lstsq(&dup, rows, 2, &y).is_none());
        assert!(lstsq(&x, 1, 2, &y[..1]).is_none());
    }
}
