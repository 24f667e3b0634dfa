//! Least squares by Householder QR: one factorisation for every regression in the workspace
//! (the unit-root tests' OLS, the ARIMA start values), with the quantities statsmodels' `OLS`
//! reports.
//!
//! ```text
//! X = Q R  (Householder reflectors, no pivoting),   z = Qᵀy
//! b   = R⁻¹ z[..k]                 ssr = Σ_{i ≥ k} z_i²
//! s²  = ssr / (n − k)              cov = s² · (RᵀR)⁻¹ = s² · R⁻¹R⁻ᵀ       se_i = √cov_ii
//! ```
//!
//! statsmodels fits by the pseudo-inverse (SVD); on a full-rank design both give the same
//! least-squares solution to rounding. A column whose part orthogonal to the earlier columns
//! is below `max(n, k) · ε` of its own norm is reported as singular ([`QrError::SingularColumn`])
//! instead of being dropped as the pseudo-inverse would.
//!
//! Householder QR's backward error is column-wise, so the accuracy depends on the condition of
//! the column-scaled design (a trend column `t²` next to a level of order one is harmless).
//!
//! The matrices are [`ndarray`] arrays in column-major order; the column sweeps run on their
//! contiguous columns with the fused loops below (see [`Qr::factor`] for the measured reason).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ShapeBuilder};

/// Why a least-squares problem was not solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The design has fewer rows than columns, or `y` does not have one value per row.
    #[error(
        "least squares: a {rows} × {cols} design and {y_len} responses (need rows ≥ columns and one response per row)"
    )]
    Shape {
        /// Rows of the design.
        rows: usize,
        /// Columns of the design.
        cols: usize,
        /// Length of `y`.
        y_len: usize,
    },
    /// Column `column` (0-based) is, to working precision, a combination of the columns before
    /// it (or is not finite).
    #[error(
        "least squares: column {column} of the design is (numerically) a combination of the columns before it"
    )]
    SingularColumn {
        /// The 0-based column.
        column: usize,
    },
}

impl QrError {
    /// The singular column, or 0 for a shape error.
    pub fn column(&self) -> usize {
        match *self {
            QrError::SingularColumn { column } => column,
            QrError::Shape { .. } => 0,
        }
    }
}

/// A Householder QR factorisation of a design `X` (`n × k`, `n ≥ k`) with `Qᵀy` applied.
///
/// # Examples
/// ```
/// use ndarray::{array, Array2};
/// use stratos_core::numeric::Qr;
/// // y = (1, 3, 2, 5) on [1, x], x = (1, 2, 3, 4): intercept 0, slope 1.1, ssr 2.7.
/// let x: Array2<f64> = array![[1.0, 1.0], [1.0, 2.0], [1.0, 3.0], [1.0, 4.0]];
/// let qr = Qr::factor(x, array![1.0, 3.0, 2.0, 5.0].view())?;
/// let fit = qr.fit();
/// assert!(fit.params[0].abs() < 1e-14 && (fit.params[1] - 1.1).abs() < 1e-14);
/// assert!((fit.ssr - 2.7).abs() < 1e-14);
/// # Ok::<(), stratos_core::numeric::QrError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Qr {
    /// `n × (k + 1)`, column-major: R in the upper triangle of the first `k` columns, the
    /// reflectors' tails below it; `Qᵀy` in column `k`.
    a: Array2<f64>,
    nrows: usize,
    ncols: usize,
}

/// An ordinary least-squares fit: statsmodels' `OLS(y, X).fit()` `params`, `bse`, `ssr`,
/// `nobs`, and `cov_params()` through [`OlsFit::cov_params`].
#[derive(Debug, Clone, PartialEq)]
pub struct OlsFit {
    /// Coefficients, in the design's column order.
    pub params: Array1<f64>,
    /// Standard errors `√(s² · diag((XᵀX)⁻¹))`.
    pub bse: Array1<f64>,
    /// Residual sum of squares.
    pub ssr: f64,
    /// Rows.
    pub nobs: usize,
    /// `s² · (XᵀX)⁻¹`, `k × k`.
    cov: Array2<f64>,
}

impl OlsFit {
    /// t-value of coefficient `i` (`params / bse`, as statsmodels' `tvalues`); NaN past the end.
    pub fn tvalue(&self, i: usize) -> f64 {
        match (self.params.get(i), self.bse.get(i)) {
            (Some(b), Some(se)) => b / se,
            _ => f64::NAN,
        }
    }

    /// The coefficients' covariance matrix `s² · (XᵀX)⁻¹` (statsmodels' `cov_params()`).
    pub fn cov_params(&self) -> &Array2<f64> {
        &self.cov
    }
}

/// The least-squares solution `argmin ‖X β − y‖₂` of a full-rank design, by [`Qr`].
///
/// # Errors
/// [`QrError::Shape`] when `x` has fewer rows than columns or `y` is not one value per row;
/// [`QrError::SingularColumn`] when a column is (numerically) a combination of earlier ones.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use stratos_core::numeric::lstsq;
/// let x = array![[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]];
/// let b = lstsq(x.view(), array![1.0, 3.0, 5.0].view())?;
/// assert!((b[0] - 1.0).abs() < 1e-14 && (b[1] - 2.0).abs() < 1e-14);
/// # Ok::<(), stratos_core::numeric::QrError>(())
/// ```
pub fn lstsq(x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<Array1<f64>, QrError> {
    Ok(Qr::factor(x.to_owned(), y)?.coefficients())
}

/// Dot product over the common length of `a` and `b`, by ndarray's `dot` (eight interleaved
/// accumulators, so it vectorises and its rounding error grows like that of eight sums).
///
/// A hand-rolled eight-accumulator loop was measured against it and dropped: criterion,
/// `benches/numeric.rs`, n = 10,000: 2.09 µs hand-rolled against 1.42 µs for ndarray's.
///
/// # Examples
/// ```
/// use stratos_core::numeric::dot;
/// assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0, 7.0]), 32.0);
/// ```
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    ArrayView1::from(&a[..n]).dot(&ArrayView1::from(&b[..n]))
}

/// Euclidean norm, rescaled when the plain sum of squares would overflow or underflow.
fn norm2(v: &[f64]) -> f64 {
    let ss = dot(v, v);
    if ss.is_finite() && ss > 1e-280 {
        return ss.sqrt();
    }
    let amax = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if amax == 0.0 || !amax.is_finite() {
        return amax;
    }
    let inv = 1.0 / amax;
    let ss: f64 = v.iter().map(|x| (x * inv) * (x * inv)).sum();
    amax * ss.sqrt()
}

impl Qr {
    /// Factors the `n × k` design `x` and applies Qᵀ to `y` (`n` values). Column-major input
    /// (`Array2::from_shape_vec((n, k).f(), columns)`) is factored in its own buffer; any
    /// other layout is copied once.
    ///
    /// Each reflector's update of the trailing columns is fused with the next reflector's dot
    /// products (one pass over each column per step instead of two): the factorisation is
    /// bound by memory traffic once the design outgrows the caches. The same factorisation
    /// written with ndarray's column operations (`dot`, then `scaled_add`, two passes) took
    /// 1.24× as long on the 10,000 × 40 design of `benches/numeric.rs` (criterion:
    /// `qr/ndarray_columns` 3.70 ms against `qr/fused` 2.99 ms), so the sweep keeps its
    /// hand-rolled fused loop (`axpy_then_dot`) over the columns' slices; plain dot products
    /// are ndarray's ([`dot`]).
    ///
    /// # Errors
    /// [`QrError::Shape`] when `n < k` or `y` is not `n` values; [`QrError::SingularColumn`]
    /// when a column's part orthogonal to the earlier ones is below `max(n, k) · ε` of its norm,
    /// or is not finite.
    pub fn factor(x: Array2<f64>, y: ArrayView1<'_, f64>) -> Result<Qr, QrError> {
        let (m, k) = x.dim();
        if y.len() != m || m < k {
            return Err(QrError::Shape {
                rows: m,
                cols: k,
                y_len: y.len(),
            });
        }
        // n × (k + 1) column-major, y as the last column (transformed along).
        let mut buf = if x.t().is_standard_layout() {
            let (v, offset) = x.into_raw_vec_and_offset();
            if offset.unwrap_or(0) == 0 && v.len() == m * k {
                let mut v = v;
                v.reserve_exact(m);
                v
            } else {
                // A column-major view into a larger buffer: copy the columns out.
                let start = offset.unwrap_or(0);
                v.get(start..start + m * k)
                    .map(|s| {
                        let mut c = Vec::with_capacity(m * (k + 1));
                        c.extend_from_slice(s);
                        c
                    })
                    .ok_or(QrError::Shape {
                        rows: m,
                        cols: k,
                        y_len: y.len(),
                    })?
            }
        } else {
            let mut v = Vec::with_capacity(m * (k + 1));
            for col in x.columns() {
                v.extend(col.iter());
            }
            v
        };
        buf.extend(y.iter());
        factor_in_place(&mut buf, m, k)?;
        let a = Array2::from_shape_vec((m, k + 1).f(), buf).map_err(|_| QrError::Shape {
            rows: m,
            cols: k,
            y_len: y.len(),
        })?;
        Ok(Qr {
            a,
            nrows: m,
            ncols: k,
        })
    }

    /// Rows of the design.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Columns of the design.
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    fn r(&self, i: usize, j: usize) -> f64 {
        self.a[[i, j]]
    }

    /// `Qᵀy` (`n` values): its first `k` give the coefficients, the squares of the rest sum to
    /// the residual sum of squares.
    pub fn qty(&self) -> ArrayView1<'_, f64> {
        self.a.column(self.ncols)
    }

    /// The diagonal entry `R[j][j]` (signed; NaN past the end).
    pub fn r_diag(&self, j: usize) -> f64 {
        if j < self.ncols {
            self.r(j, j)
        } else {
            f64::NAN
        }
    }

    /// Whether some `|R[j][j]|` is at or below `rtol` times the largest (a rank test stricter
    /// than the one [`Qr::factor`] applies).
    pub fn is_rank_deficient(&self, rtol: f64) -> bool {
        let dmax = (0..self.ncols).fold(0.0_f64, |m, j| m.max(self.r(j, j).abs()));
        dmax == 0.0 || (0..self.ncols).any(|j| self.r(j, j).abs() <= rtol * dmax)
    }

    /// Residual sum of squares of the regression on all columns.
    pub fn ssr(&self) -> f64 {
        let z = self.qty();
        let tail = z.slice(ndarray::s![self.ncols..]);
        match tail.to_slice() {
            Some(t) => dot(t, t),
            None => tail.dot(&tail),
        }
    }

    /// Coefficients by back substitution.
    pub fn coefficients(&self) -> Array1<f64> {
        let k = self.ncols;
        let z = self.qty();
        let mut b = Array1::zeros(k);
        for i in (0..k).rev() {
            let mut s = z[i];
            for j in i + 1..k {
                s -= self.r(i, j) * b[j];
            }
            b[i] = s / self.r(i, i);
        }
        b
    }

    /// `R⁻¹` (upper triangular, `k × k`), from which `(XᵀX)⁻¹ = R⁻¹R⁻ᵀ`.
    pub fn r_inverse(&self) -> Array2<f64> {
        let k = self.ncols;
        // R row-major, so both operands of the inner products below are contiguous.
        let mut r = vec![0.0; k * k];
        for j in 0..k {
            for i in 0..=j {
                r[i * k + j] = self.r(i, j);
            }
        }
        // Column j of R⁻¹ (stored column-major) solves R x = e_j, zero below j.
        let mut cm = vec![0.0; k * k];
        for j in 0..k {
            let col = &mut cm[j * k..(j + 1) * k];
            col[j] = 1.0 / r[j * k + j];
            for i in (0..j).rev() {
                let s = dot(&r[i * k + i + 1..i * k + j + 1], &col[i + 1..=j]);
                col[i] = -s / r[i * k + i];
            }
        }
        Array2::from_shape_fn((k, k), |(i, j)| cm[j * k + i])
    }

    /// `(XᵀX)⁻¹ = R⁻¹R⁻ᵀ` (`k × k`, symmetric), given [`Qr::r_inverse`].
    pub fn xtx_inverse(rinv: &Array2<f64>) -> Array2<f64> {
        let k = rinv.nrows();
        let mut c = Array2::zeros((k, k));
        for i in 0..k {
            for j in 0..=i {
                // Σ_l R⁻¹[i][l] · R⁻¹[j][l], l ≥ max(i, j) (R⁻¹ is upper triangular).
                let v: f64 = (i..k).map(|l| rinv[[i, l]] * rinv[[j, l]]).sum();
                c[[i, j]] = v;
                c[[j, i]] = v;
            }
        }
        c
    }

    /// The full fit: coefficients, standard errors, residual sum of squares and covariance.
    pub fn fit(&self) -> OlsFit {
        let params = self.coefficients();
        let ssr = self.ssr();
        let scale = self.scale(ssr);
        let cov = Self::xtx_inverse(&self.r_inverse()) * scale;
        let bse = cov.diag().mapv(f64::sqrt);
        OlsFit {
            params,
            bse,
            ssr,
            nobs: self.nrows,
            cov,
        }
    }

    /// `s² = ssr / (n − k)`.
    pub fn scale(&self, ssr: f64) -> f64 {
        ssr / self.nrows.saturating_sub(self.ncols) as f64
    }
}

/// Householder QR in place of the column-major `m × (k + 1)` buffer (the design, then y).
fn factor_in_place(a: &mut [f64], m: usize, k: usize) -> Result<(), QrError> {
    let total = k + 1;
    let tol = (m.max(k) as f64) * f64::EPSILON;
    // w[c]: the pending multiplier τ_{j−1} · v_{j−1}ᵀ col_c of the previous reflector.
    let mut w = vec![0.0; total];
    for j in 0..k {
        let (left, right) = a.split_at_mut((j + 1) * m);
        if j > 0 {
            // The previous reflector, still pending on column j: v = (1 at row j−1, tail).
            let (prev, col) = left.split_at_mut(j * m);
            let vprev = &prev[(j - 1) * m + j..];
            col[j - 1] -= w[j];
            axpy(-w[j], vprev, &mut col[j..]);
        }
        let col = &mut left[j * m..];
        let full_norm = norm2(col);
        let sub = &mut col[j..];
        let sub_norm = norm2(sub);
        if sub_norm.is_nan() || sub_norm <= tol * full_norm || !sub_norm.is_finite() {
            return Err(QrError::SingularColumn { column: j });
        }
        // LAPACK dlarfg: H = I − τ v vᵀ with v[0] = 1, H·sub = (β, 0, …, 0).
        let alpha = sub[0];
        let beta = -sub_norm.copysign(alpha);
        let tau = (beta - alpha) / beta;
        let scale = 1.0 / (alpha - beta);
        for v in &mut sub[1..] {
            *v *= scale;
        }
        sub[0] = beta;
        let vcur = &left[j * m + j + 1..(j + 1) * m];
        let vprev = (j > 0).then(|| &left[(j - 1) * m + j..j * m]);
        for (c, target) in right.chunks_exact_mut(m).enumerate() {
            let wc = &mut w[j + 1 + c];
            let d = match vprev {
                Some(vp) => {
                    target[j - 1] -= *wc;
                    target[j] -= *wc * vp[0];
                    axpy_then_dot(-*wc, &vp[1..], &mut target[j + 1..], vcur)
                }
                None => dot(vcur, &target[j + 1..]),
            };
            *wc = tau * (target[j] + d);
        }
    }
    if k > 0 {
        // The last reflector, still pending on y.
        let (cols, yc) = a.split_at_mut(k * m);
        let vlast = &cols[(k - 1) * m + k..];
        yc[k - 1] -= w[k];
        axpy(-w[k], vlast, &mut yc[k..]);
    }
    Ok(())
}

/// y ← y + α x.
#[inline]
fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (t, v) in y.iter_mut().zip(x) {
        *t += alpha * v;
    }
}

/// y ← y + α x, then returns `v · y` (the updated y), in one pass.
#[inline]
fn axpy_then_dot(alpha: f64, x: &[f64], y: &mut [f64], v: &[f64]) -> f64 {
    let n = x.len().min(y.len()).min(v.len());
    let (x, y, v) = (&x[..n], &mut y[..n], &v[..n]);
    let mut acc = [0.0f64; 4];
    let mut yc = y.chunks_exact_mut(4);
    let mut xc = x.chunks_exact(4);
    let mut vc = v.chunks_exact(4);
    for ((ys, xs), vs) in (&mut yc).zip(&mut xc).zip(&mut vc) {
        for l in 0..4 {
            ys[l] += alpha * xs[l];
            acc[l] += vs[l] * ys[l];
        }
    }
    let mut s = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for ((t, a), b) in yc
        .into_remainder()
        .iter_mut()
        .zip(xc.remainder())
        .zip(vc.remainder())
    {
        *t += alpha * a;
        s += b * *t;
    }
    s
}

/// Upper Cholesky factor `R` (`p × p`, `G = RᵀR`) of the symmetric `p × p` matrix `g` (only
/// the upper triangle is read). `None` when `g` is not square, or a pivot is not positive,
/// falls below `min_pivot_ratio` times its diagonal entry (the column is nearly a combination
/// of the earlier ones), or is not finite.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use stratos_core::numeric::cholesky_upper;
/// let r = cholesky_upper(array![[4.0, 2.0], [2.0, 5.0]].view(), 1e-12).unwrap_or_default();
/// assert_eq!(r, array![[2.0, 1.0], [0.0, 2.0]]);
/// ```
pub fn cholesky_upper(g: ArrayView2<'_, f64>, min_pivot_ratio: f64) -> Option<Array2<f64>> {
    let p = g.nrows();
    if g.ncols() != p {
        return None;
    }
    let mut r = Array2::<f64>::zeros((p, p));
    for j in 0..p {
        for i in 0..j {
            let mut s = g[[i, j]];
            for l in 0..i {
                s -= r[[l, i]] * r[[l, j]];
            }
            r[[i, j]] = s / r[[i, i]];
        }
        let mut d = g[[j, j]];
        for l in 0..j {
            d -= r[[l, j]] * r[[l, j]];
        }
        let diag = g[[j, j]];
        if d.is_nan() || d <= 0.0 || !d.is_finite() || d < min_pivot_ratio * diag {
            return None;
        }
        r[[j, j]] = d.sqrt();
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, array};

    use super::*;

    fn assert_close(got: f64, want: f64, rtol: f64) {
        assert!(
            (got - want).abs() <= rtol * want.abs().max(1e-300),
            "got {got}, expected {want}"
        );
    }

    /// y = (1, 3, 2, 5) on [1, x], x = (1, 2, 3, 4): slope 1.1, intercept 0, ssr 2.7,
    /// s² = 1.35, se(slope) = √(1.35/5), se(intercept) = √(1.35 · (1/4 + 2.5²/5)),
    /// cov(intercept, slope) = −s² x̄ / Sxx.
    #[test]
    fn simple_regression_matches_hand_computation_in_any_layout() {
        let row_major = array![[1.0, 1.0], [1.0, 2.0], [1.0, 3.0], [1.0, 4.0]];
        let col_major =
            Array2::from_shape_vec((4, 2).f(), vec![1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0])
                .unwrap();
        let y = array![1.0, 3.0, 2.0, 5.0];
        let a = Qr::factor(row_major, y.view()).unwrap().fit();
        let b = Qr::factor(col_major, y.view()).unwrap().fit();
        assert_eq!(a, b);
        assert!(a.params[0].abs() < 1e-14);
        assert_close(a.params[1], 1.1, 1e-14);
        assert_close(a.ssr, 2.7, 1e-14);
        assert_close(a.bse[1], (1.35f64 / 5.0).sqrt(), 1e-14);
        assert_close(a.bse[0], (1.35f64 * (0.25 + 6.25 / 5.0)).sqrt(), 1e-14);
        assert_close(a.cov_params()[[1, 0]], -1.35 * 2.5 / 5.0, 1e-13);
        assert_close(a.tvalue(1), 1.1 / (1.35f64 / 5.0).sqrt(), 1e-14);
        assert!(a.tvalue(2).is_nan());
        let lst = lstsq(
            array![[1.0, 1.0], [1.0, 2.0], [1.0, 3.0], [1.0, 4.0]].view(),
            y.view(),
        );
        assert_eq!(lst.unwrap(), a.params);
    }

    #[test]
    fn singular_and_misshapen_problems_are_typed_errors() {
        // Third column = first + second.
        let x = array![
            [1.0, 1.0, 2.0],
            [1.0, 2.0, 3.0],
            [1.0, 3.0, 4.0],
            [1.0, 4.0, 5.0]
        ];
        let y = array![1.0, 3.0, 2.0, 5.0];
        let e = Qr::factor(x, y.view()).unwrap_err();
        assert_eq!(e, QrError::SingularColumn { column: 2 });
        assert_eq!(e.column(), 2);
        let zero = array![[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]];
        assert_eq!(
            Qr::factor(zero, array![1.0, 2.0, 4.0].view()).unwrap_err(),
            QrError::SingularColumn { column: 1 }
        );
        let wide = array![[1.0, 2.0]];
        assert!(matches!(
            lstsq(wide.view(), array![1.0].view()),
            Err(QrError::Shape {
                rows: 1,
                cols: 2,
                y_len: 1
            })
        ));
        assert!(matches!(
            lstsq(array![[1.0], [2.0]].view(), array![1.0].view()),
            Err(QrError::Shape { .. })
        ));
        let nan = array![[1.0], [f64::NAN]];
        assert!(lstsq(nan.view(), array![1.0, 2.0].view()).is_err());
        // No columns: an empty solution, the whole of y as residual.
        let none = Qr::factor(Array2::zeros((2, 0)), array![3.0, 4.0].view()).unwrap();
        assert_eq!(none.coefficients().len(), 0);
        assert_eq!(none.ssr(), 25.0);
    }

    #[test]
    fn rank_test_on_r_diagonal() {
        let x = array![[1.0, 1.0], [1.0, 1.0 + 1e-12], [1.0, 1.0]];
        let qr = Qr::factor(x, array![1.0, 2.0, 3.0].view()).unwrap();
        assert!(qr.is_rank_deficient(1e-10));
        assert!(!qr.is_rank_deficient(1e-14));
        assert!(qr.r_diag(5).is_nan());
    }

    #[test]
    fn cholesky_of_gram_matches_qr() {
        // Gram of [1, x, y] for the data above; R's last diagonal squared is the ssr.
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [1.0, 3.0, 2.0, 5.0];
        let ones = [1.0; 4];
        let cols = [&ones[..], &x[..], &y[..]];
        let g = Array2::from_shape_fn((3, 3), |(i, j)| dot(cols[i], cols[j]));
        let r = cholesky_upper(g.view(), 1e-12).unwrap();
        assert_close(r[[2, 2]] * r[[2, 2]], 2.7, 1e-13);
        assert!(cholesky_upper(array![[1.0, 2.0], [2.0, 4.0]].view(), 1e-12).is_none());
        assert!(cholesky_upper(array![[1.0, 2.0]].view(), 1e-12).is_none());
    }

    #[test]
    fn dot_handles_every_length() {
        for n in 0..20 {
            let a: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let want: f64 = a.iter().map(|v| v * v).sum();
            assert_eq!(dot(&a, &a), want);
        }
        assert_close(norm2(&[3e200, 4e200]), 5e200, 1e-15);
        assert_close(norm2(&[3e-200, 4e-200]), 5e-200, 1e-15);
    }
}
