//! Small dense numerics for the model code: a scalar trait implemented by `f64` and by
//! forward-mode dual numbers (so one generic Kalman filter yields the log-likelihood and its
//! exact gradient), and Gaussian elimination with partial pivoting generic over it.
//!
//! Everything here is sized for the tiny systems of ARIMA models (at most a few dozen
//! unknowns), and nothing allocates. Least squares, the normal CDF and the rolling structures
//! are in the workspace's one numeric module, [`stratos_core::numeric`].

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A real scalar: `f64`, or a dual number carrying derivatives along with the value.
pub(crate) trait Real:
    Copy
    + Debug
    + PartialEq
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
}
