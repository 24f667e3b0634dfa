//! The autolag search: every nested ADF regression `0..=max_lag` on one sample, from one
//! Cholesky factor of the Gram matrix (Householder QR when its rounding bound is too loose).

use ndarray::{Array2, ShapeBuilder};
use stratos_core::numeric::{Qr, cholesky_upper, dot};

use super::{AdfError, Regression, deterministic_columns, keeps_constant};

/// Largest accepted a-posteriori rounding bound (relative) on a Gram-matrix residual sum of
/// squares before the search falls back to Householder QR.
const GRAM_SSR_RTOL: f64 = 1e-10;

/// Smallest accepted Cholesky pivot relative to its diagonal entry on the Gram path.
const GRAM_MIN_PIVOT: f64 = 1e-8;

/// Every nested regression of the autolag search.
#[derive(Debug)]
pub(super) struct NestedFits {
    /// Rows of the common sample.
    pub(super) nobs: usize,
    /// Deterministic columns ahead of the level.
    pub(super) leading: usize,
    /// Residual sum of squares (scaled data) per lag `0..=max_lag`.
    pub(super) ssr: Vec<f64>,
    /// t-value of the last regressor per lag.
    pub(super) t_last: Vec<f64>,
}

/// The autolag search of `adfuller`: lags `0..=k` on the common sample of the last
/// `n − 1 − k` differences, columns `[deterministic…, level, lag 1..k]`.
pub(super) fn search(
    x: &[f64],
    d: &[f64],
    regression: Regression,
    k: usize,
) -> Result<NestedFits, AdfError> {
    let n = x.len();
    let m = n - 1 - k;
    let has_const = keeps_constant(x, d, regression, k, m);
    let det = deterministic_columns(regression, has_const, m, true);
    let level = &x[k..k + m];
    // Centring the level is a triangular change of basis when the constant comes first.
    let shift = if has_const {
        level.iter().sum::<f64>() / m as f64
    } else {
        0.0
    };
    let lev: Vec<f64> = level.iter().map(|v| v - shift).collect();
    if let Some(fits) = gram_search(d, k, m, &det, &lev) {
        return Ok(fits);
    }
    qr_search(d, k, m, &det, &lev)
}

/// The search from one Cholesky factor of the Gram matrix of `[det…, level, lags…, y]`.
/// `None` when the a-posteriori rounding bound is not met.
pub(super) fn gram_search(
    d: &[f64],
    k: usize,
    m: usize,
    det: &[Vec<f64>],
    lev: &[f64],
) -> Option<NestedFits> {
    let h = det.len();
    let p = h + 1 + k + 1;
    let iy = p - 1;
    // Column of lag j (0 = y).
    let col = |j: usize| if j == 0 { iy } else { h + j };
    let window = |j: usize| &d[k - j..k - j + m];
    let mut g = Array2::<f64>::zeros((p, p));
    let mut set = |a: usize, b: usize, v: f64| {
        let (i, j) = if a <= b { (a, b) } else { (b, a) };
        g[[i, j]] = v;
    };
    let y = window(0);
    // Lag × lag: S(i, j) = Σ_r d[k+r−i] d[k+r−j]; the first row by dot products, the rest by
    // sliding the windows one step: S(i+1, j+1) = S(i, j) + (first products) − (last).
    for delta in 0..=k {
        let mut s = dot(y, window(delta));
        set(col(0), col(delta), s);
        for i in 0..(k - delta) {
            let (a, b) = (k - 1 - i, k + m - 1 - i);
            s = s + d[a] * d[a - delta] - d[b] * d[b - delta];
            set(col(i + 1), col(i + 1 + delta), s);
        }
    }
    // Deterministic columns and level against everything.
    let mut leading: Vec<&[f64]> = det.iter().map(Vec::as_slice).collect();
    leading.push(lev);
    for (a, v) in leading.iter().enumerate() {
        for j in 0..=k {
            set(a, col(j), dot(v, window(j)));
        }
        for (b, w) in leading.iter().enumerate().skip(a) {
            set(a, b, dot(v, w));
        }
    }
    let r = cholesky_upper(g.view(), GRAM_MIN_PIVOT)?;
    let z = |i: usize| r[[i, iy]];
    // tail[i] = Σ_{l ≥ i} R[l][y]² (including R[y][y]²).
    let mut tail = vec![0.0; p];
    tail[iy] = z(iy) * z(iy);
    for i in (0..iy).rev() {
        tail[i] = tail[i + 1] + z(i) * z(i);
    }
    // First-order rounding bound of each ssr: ε (Σ|b_i| ‖x_i‖ + ‖y‖)² / ssr.
    let eps = 8.0 * ((m as f64).sqrt() + p as f64) * f64::EPSILON;
    let norms: Vec<f64> = (0..p).map(|i| g[[i, i]].sqrt()).collect();
    let mut ssr = Vec::with_capacity(k + 1);
    let mut t_last = Vec::with_capacity(k + 1);
    let mut b = vec![0.0; iy];
    for lag in 0..=k {
        let q = h + 1 + lag;
        let s = tail[q];
        for i in (0..q).rev() {
            let mut v = z(i);
            for l in (i + 1)..q {
                v -= r[[i, l]] * b[l];
            }
            b[i] = v / r[[i, i]];
        }
        let amp: f64 = (0..q).map(|i| b[i].abs() * norms[i]).sum::<f64>() + norms[iy];
        let bound = eps * amp * amp / s;
        if bound.is_nan() || bound > GRAM_SSR_RTOL {
            return None;
        }
        ssr.push(s);
        t_last.push(z(q - 1) / (s / (m - q) as f64).sqrt());
    }
    Some(NestedFits {
        nobs: m,
        leading: h,
        ssr,
        t_last,
    })
}

/// The search by one Householder QR of the full design `[det…, level, lags…]`: for the first
/// `q` columns `ssr_q = Σ_{i ≥ q} (Qᵀy)_i²`, `t_last = sign(R_{q−1,q−1}) (Qᵀy)_{q−1} / s`.
pub(super) fn qr_search(
    d: &[f64],
    k: usize,
    m: usize,
    det: &[Vec<f64>],
    lev: &[f64],
) -> Result<NestedFits, AdfError> {
    let h = det.len();
    let cols = h + 1 + k;
    let mut a = Vec::with_capacity(m * cols);
    for v in det {
        a.extend_from_slice(v);
    }
    a.extend_from_slice(lev);
    for j in 1..=k {
        a.extend_from_slice(&d[k - j..k - j + m]);
    }
    let singular = |column: usize| AdfError::SingularRegression {
        lag: column.saturating_sub(h),
    };
    let x = Array2::from_shape_vec((m, cols).f(), a).map_err(|_| singular(0))?;
    let qr = Qr::factor(x, (&d[k..k + m]).into()).map_err(|e| singular(e.column()))?;
    let z = qr.qty();
    let mut tail = vec![0.0; cols + 1];
    tail[cols] = qr.ssr();
    for i in (0..cols).rev() {
        tail[i] = tail[i + 1] + z[i] * z[i];
    }
    let mut ssr = Vec::with_capacity(k + 1);
    let mut t_last = Vec::with_capacity(k + 1);
    for lag in 0..=k {
        let q = h + 1 + lag;
        let s = tail[q];
        let zq = if qr.r_diag(q - 1) < 0.0 {
            -z[q - 1]
        } else {
            z[q - 1]
        };
        ssr.push(s);
        t_last.push(zq / (s / (m - q) as f64).sqrt());
    }
    Ok(NestedFits {
        nobs: m,
        leading: h,
        ssr,
        t_last,
    })
}
