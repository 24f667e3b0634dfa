//! Ordinary least squares by Householder QR, with the quantities the unit-root tests need:
//! coefficients, residual sum of squares, standard errors, t-values and the Gaussian
//! log-likelihood with the information criteria exactly as statsmodels' `OLS` defines them.
//!
//! ```text
//! X = Q R  (Householder reflectors, no pivoting),   z = Qᵀy
//! b   = R⁻¹ z[..k]                 ssr = Σ_{i ≥ k} z_i²
//! s²  = ssr / (n − k)              se_i = √(s² · [(RᵀR)⁻¹]_ii)      t_i = b_i / se_i
//! llf = −n/2 · ln(2π) − n/2 · ln(ssr / n) − n/2            (statsmodels OLS.loglike)
//! aic = −2 llf + 2k                bic = −2 llf + ln(n) · k  (RegressionResults.info_criteria)
//! ```
//!
//! statsmodels fits by the pseudo-inverse (SVD); on a full-rank design both give the same
//! least-squares solution to rounding. A column whose part orthogonal to the earlier columns
//! is below `max(n, k) · ε` of its own norm is reported as singular instead of being dropped
//! as the pseudo-inverse would: the unit-root tests turn that into a typed error.
//!
//! Householder QR's backward error is column-wise, so the accuracy depends on the condition of
//! the column-scaled design (a trend column `t²` next to a level of order one is harmless).

/// The design is column-major: column `j` is `a[j * nrows..(j + 1) * nrows]`.
#[derive(Debug, Clone)]
pub(crate) struct Qr {
    nrows: usize,
    ncols: usize,
    /// R in the upper triangle, the reflectors' tails below it; then Qᵀy as column `ncols`.
    a: Vec<f64>,
}

/// A column that is (numerically) a combination of the columns before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SingularColumn(pub(crate) usize);

/// A least-squares fit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OlsFit {
    /// Coefficients, in the design's column order.
    pub(crate) params: Vec<f64>,
    /// Standard errors √(s² · diag((XᵀX)⁻¹)).
    pub(crate) bse: Vec<f64>,
    /// Residual sum of squares.
    pub(crate) ssr: f64,
    /// Rows.
    pub(crate) nobs: usize,
}

impl OlsFit {
    /// t-value of coefficient `i` (`params / bse`, as statsmodels' `tvalues`).
    pub(crate) fn tvalue(&self, i: usize) -> f64 {
        match (self.params.get(i), self.bse.get(i)) {
            (Some(b), Some(se)) => b / se,
            _ => f64::NAN,
        }
    }
}

/// Dot product with eight independent accumulators (vectorises, and its rounding error grows
/// like that of eight interleaved sums).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
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

/// Gaussian log-likelihood at the profile variance, statsmodels `OLS.loglike`:
/// `−n/2 · ln(2π) − n/2 · ln(ssr/n) − n/2`.
pub(crate) fn llf(ssr: f64, nobs: usize) -> f64 {
    let n = nobs as f64;
    let nobs2 = n / 2.0;
    -nobs2 * (2.0 * std::f64::consts::PI).ln() - nobs2 * (ssr / n).ln() - nobs2
}

/// The same log-likelihood from `ln(ssr)` given directly (for sums of squares beyond the
/// range of `f64`).
pub(crate) fn llf_from_ln_ssr(ln_ssr: f64, nobs: usize) -> f64 {
    let n = nobs as f64;
    let nobs2 = n / 2.0;
    -nobs2 * (2.0 * std::f64::consts::PI).ln() - nobs2 * (ln_ssr - n.ln()) - nobs2
}

/// Akaike's criterion with `k` parameters, statsmodels `info_criteria("aic")`.
pub(crate) fn aic(llf: f64, k: usize) -> f64 {
    -2.0 * llf + 2.0 * k as f64
}

/// Schwarz's criterion with `k` parameters, statsmodels `info_criteria("bic")`.
pub(crate) fn bic(llf: f64, nobs: usize, k: usize) -> f64 {
    -2.0 * llf + (nobs as f64).ln() * k as f64
}

impl Qr {
    /// Factors the column-major `nrows × ncols` design `a` and applies Qᵀ to `y`.
    ///
    /// Needs `a.len() == nrows * ncols`, `y.len() == nrows` and `nrows >= ncols`; otherwise
    /// (a caller bug) reports column 0 as singular.
    ///
    /// Each reflector's update of the trailing columns is fused with the next reflector's dot
    /// products (one pass over each column per step instead of two): the factorisation is
    /// bound by memory traffic once the design outgrows the caches.
    pub(crate) fn factor(
        mut a: Vec<f64>,
        nrows: usize,
        ncols: usize,
        y: Vec<f64>,
    ) -> Result<Qr, SingularColumn> {
        let (m, k) = (nrows, ncols);
        if a.len() != m * k || y.len() != m || m < k {
            return Err(SingularColumn(0));
        }
        a.extend_from_slice(&y); // column k: y, transformed along
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
                return Err(SingularColumn(j));
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
        Ok(Qr {
            nrows: m,
            ncols: k,
            a,
        })
    }

    fn r(&self, i: usize, j: usize) -> f64 {
        self.a[j * self.nrows + i]
    }

    /// Qᵀy.
    pub(crate) fn qty(&self) -> &[f64] {
        &self.a[self.ncols * self.nrows..]
    }

    /// The diagonal entry `R[j][j]` (signed).
    pub(crate) fn r_diag(&self, j: usize) -> f64 {
        self.r(j, j)
    }

    /// Residual sum of squares of the regression on all columns.
    pub(crate) fn ssr(&self) -> f64 {
        let tail = &self.qty()[self.ncols..];
        dot(tail, tail)
    }

    /// Coefficients by back substitution.
    pub(crate) fn coefficients(&self) -> Vec<f64> {
        let k = self.ncols;
        let mut b = self.qty()[..k].to_vec();
        for i in (0..k).rev() {
            let (head, solved) = b.split_at_mut(i + 1);
            let mut s = head[i];
            for (j, bj) in solved.iter().enumerate() {
                s -= self.r(i, i + 1 + j) * bj;
            }
            head[i] = s / self.r(i, i);
        }
        b
    }

    /// R⁻¹, from which (XᵀX)⁻¹ = R⁻¹R⁻ᵀ.
    pub(crate) fn r_inverse(&self) -> InverseR {
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
        InverseR { k, cm }
    }

    /// The full fit (coefficients, standard errors, residual sum of squares), given R⁻¹.
    pub(crate) fn fit_with(&self, rinv: &InverseR) -> OlsFit {
        let params = self.coefficients();
        let ssr = self.ssr();
        let scale = self.scale(ssr);
        let bse = (0..self.ncols)
            .map(|i| (scale * rinv.cov(i, i)).sqrt())
            .collect();
        OlsFit {
            params,
            bse,
            ssr,
            nobs: self.nrows,
        }
    }

    /// s² = ssr / (n − k).
    pub(crate) fn scale(&self, ssr: f64) -> f64 {
        ssr / self.nrows.saturating_sub(self.ncols) as f64
    }
}

/// R⁻¹ of a [`Qr`] (upper triangular), for entries of (XᵀX)⁻¹ = R⁻¹R⁻ᵀ.
#[derive(Debug, Clone)]
pub(crate) struct InverseR {
    k: usize,
    /// Column-major.
    cm: Vec<f64>,
}

impl InverseR {
    /// `[(XᵀX)⁻¹]_{ij} = Σ_l R⁻¹[i][l] · R⁻¹[j][l]`.
    pub(crate) fn cov(&self, i: usize, j: usize) -> f64 {
        let k = self.k;
        (i.max(j)..k)
            .map(|l| self.cm[l * k + i] * self.cm[l * k + j])
            .sum()
    }
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

/// Upper Cholesky factor `R` (row-major `p × p`, `G = RᵀR`) of the symmetric `p × p` matrix
/// `g` (row-major; only the upper triangle is read). Returns `None` when a pivot is not
/// positive or falls below `min_pivot_ratio` times its diagonal entry (the column is nearly a
/// combination of the earlier ones), or is not finite.
pub(crate) fn cholesky_upper(g: &[f64], p: usize, min_pivot_ratio: f64) -> Option<Vec<f64>> {
    if g.len() != p * p {
        return None;
    }
    let mut r = vec![0.0; p * p];
    for j in 0..p {
        for i in 0..j {
            let mut s = g[i * p + j];
            for l in 0..i {
                s -= r[l * p + i] * r[l * p + j];
            }
            r[i * p + j] = s / r[i * p + i];
        }
        let mut d = g[j * p + j];
        for l in 0..j {
            d -= r[l * p + j] * r[l * p + j];
        }
        let diag = g[j * p + j];
        if d.is_nan() || d <= 0.0 || !d.is_finite() || d < min_pivot_ratio * diag {
            return None;
        }
        r[j * p + j] = d.sqrt();
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ols(a: Vec<f64>, m: usize, k: usize, y: Vec<f64>) -> Result<OlsFit, SingularColumn> {
        let qr = Qr::factor(a, m, k, y)?;
        Ok(qr.fit_with(&qr.r_inverse()))
    }

    fn assert_close(got: f64, want: f64, rtol: f64) {
        assert!(
            (got - want).abs() <= rtol * want.abs().max(1e-300),
            "got {got}, expected {want}"
        );
    }

    /// y = (1, 3, 2, 5) on [1, x] with x = (1, 2, 3, 4), by hand:
    /// x̄ = 2.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5 → slope 1.1, intercept ȳ − 1.1 · x̄ = 0;
    /// residuals (−0.1, 0.8, −1.3, 0.6), ssr = 2.7, s² = 1.35,
    /// se(slope) = √(1.35/5), se(intercept) = √(1.35 · (1/4 + 2.5²/5)).
    #[test]
    fn simple_regression_matches_hand_computation() {
        let a = vec![1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0];
        let y = vec![1.0, 3.0, 2.0, 5.0];
        let fit = ols(a, 4, 2, y).unwrap();
        assert!(fit.params[0].abs() < 1e-14, "{}", fit.params[0]);
        assert_close(fit.params[1], 1.1, 1e-14);
        assert_close(fit.ssr, 2.7, 1e-14);
        assert_close(fit.bse[1], (1.35f64 / 5.0).sqrt(), 1e-14);
        assert_close(fit.bse[0], (1.35f64 * (0.25 + 6.25 / 5.0)).sqrt(), 1e-14);
        assert_close(fit.tvalue(1), 1.1 / (1.35f64 / 5.0).sqrt(), 1e-14);
        // llf = −2 ln(2π) − 2 ln(2.7/4) − 2
        let l = llf(fit.ssr, 4);
        assert_close(
            l,
            -2.0 * (2.0 * std::f64::consts::PI).ln() - 2.0 * (0.675f64).ln() - 2.0,
            1e-14,
        );
        assert_close(aic(l, 2), -2.0 * l + 4.0, 1e-14);
        assert_close(bic(l, 4, 2), -2.0 * l + 4f64.ln() * 2.0, 1e-14);
        assert_close(llf_from_ln_ssr(fit.ssr.ln(), 4), l, 1e-14);
    }

    #[test]
    fn collinear_columns_are_reported() {
        // Third column = first + second.
        let a = vec![1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0];
        let y = vec![1.0, 3.0, 2.0, 5.0];
        assert_eq!(ols(a, 4, 3, y).unwrap_err(), SingularColumn(2));
        let zero = vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            ols(zero, 3, 2, vec![1.0, 2.0, 4.0]).unwrap_err(),
            SingularColumn(1)
        );
    }

    #[test]
    fn cholesky_of_gram_matches_qr() {
        // Gram of [1, x, y] for the data above; R's last column gives Qᵀy up to sign.
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [1.0, 3.0, 2.0, 5.0];
        let ones = [1.0; 4];
        let cols = [&ones[..], &x[..], &y[..]];
        let mut g = vec![0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                g[i * 3 + j] = dot(cols[i], cols[j]);
            }
        }
        let r = cholesky_upper(&g, 3, 1e-12).unwrap();
        assert_close(r[2 * 3 + 2] * r[2 * 3 + 2], 2.7, 1e-13);
        // A dependent column fails.
        let g2 = [1.0, 2.0, 2.0, 4.0];
        assert!(cholesky_upper(&g2, 2, 1e-12).is_none());
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
