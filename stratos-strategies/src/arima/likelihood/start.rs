//! Starting values: statsmodels' conditional-sum-of-squares regressions, with an AR(`k`)
//! fit standing in for the MA innovations.

use ndarray::{Array1, Array2, ArrayView1};
use stratos_core::numeric::{Qr, cholesky_upper};

/// Least squares on the row-major `rows × cols` design `x`, `None` when it fails or is
/// rank-deficient: some diagonal of R at or below `1e-10 ·` the largest (a stricter test than
/// [`Qr::factor`]'s, so a nearly collinear start regression falls back as it always has).
fn lstsq(x: Vec<f64>, rows: usize, cols: usize, y: &[f64]) -> Option<Array1<f64>> {
    if cols == 0 {
        return Some(Array1::zeros(0));
    }
    let qr = Qr::factor(
        Array2::from_shape_vec((rows, cols), x).ok()?,
        ArrayView1::from(y),
    )
    .ok()?;
    if qr.is_rank_deficient(1e-10) {
        return None;
    }
    let beta = qr.coefficients();
    beta.iter().all(|v| v.is_finite()).then_some(beta)
}

/// statsmodels' `_conditional_sum_squares` with the AR terms at `ar_lags` (largest `k_ar`)
/// and the MA terms at `ma_lags` (largest `k_ma`), an AR(`k`) for the residuals: the
/// regression over `t ≥ max(k + k_ma, k_ar)`, the variance over all but the first
/// `ma_lags.len()` residuals.
pub(super) fn css_lags(
    w: &[f64],
    ar_lags: &[usize],
    ma_lags: &[usize],
    k_ar: usize,
    k_ma: usize,
    k: usize,
) -> Option<(Vec<f64>, Vec<f64>, f64)> {
    css_regression(w, ar_lags, ma_lags, (k_ar, k_ma), k, 2)
}

/// statsmodels' `_conditional_sum_squares` for an ARMA(p, q) without trend, with an AR(`k`)
/// for the residuals (statsmodels: `k = 2q`).
pub(super) fn css(w: &[f64], p: usize, q: usize, k: usize) -> Option<(Vec<f64>, Vec<f64>, f64)> {
    if p + q == 0 {
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len().max(1) as f64;
        return Some((Vec::new(), Vec::new(), var));
    }
    let ar_lags: Vec<usize> = (1..=p).collect();
    let ma_lags: Vec<usize> = (1..=q).collect();
    css_regression(w, &ar_lags, &ma_lags, (p, q), k, 1)
}

/// The regression both share: `w_t` on the AR lags of `w` and the MA lags of the AR(`k`)
/// residuals over `t ≥ max(k + k_ma, k_ar)` (`k_ar`, `k_ma`: the largest lags), the
/// variance over all but the first `ma_lags.len()` residuals; `None` with fewer than
/// `min_count` of them.
fn css_regression(
    w: &[f64],
    ar_lags: &[usize],
    ma_lags: &[usize],
    (k_ar, k_ma): (usize, usize),
    k: usize,
    min_count: usize,
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
    let design = x.clone();
    let beta = lstsq(design, rows, cols, &w[r..])?;
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
    if count < min_count {
        return None;
    }
    let p = ar_lags.len();
    let beta = beta.to_vec();
    Some((beta[..p].to_vec(), beta[p..].to_vec(), sse / count as f64))
}

/// The residuals of an AR(`k`) fitted to `w` by least squares (zero for the first `k`), the
/// stand-in for the MA innovations in statsmodels' conditional-sum-of-squares start.
pub(super) fn ar_residuals(w: &[f64], k: usize) -> Option<Vec<f64>> {
    let n = w.len();
    let rows = n.checked_sub(k)?;
    let beta = match (k >= NORMAL_EQUATIONS_MIN_K)
        .then(|| ar_normal_equations(w, k))
        .flatten()
    {
        Some(beta) => beta,
        None => {
            let mut x = Vec::with_capacity(rows * k);
            for t in k..n {
                x.extend((1..=k).map(|j| w[t - j]));
            }
            lstsq(x, rows, k, &w[k..])?
        }
    };
    let mut resid = vec![0.0; n];
    for t in k..n {
        let fit: f64 = (1..=k).map(|j| beta[j - 1] * w[t - j]).sum();
        resid[t] = w[t] - fit;
    }
    Some(resid)
}

/// The autoregression order from which [`ar_residuals`] solves the normal equations instead
/// of a QR of the lagged design: Hannan–Rissanen's long AR(⌊ln² n⌋) (AR(47) at n = 1000)
/// took 0.85 ms by QR, a third of the `arima_fit` bench; the lagged Gram matrix costs
/// O(n·k) and its Cholesky O(k³). statsmodels' own start (AR(2q), a few lags) keeps the QR.
const NORMAL_EQUATIONS_MIN_K: usize = 16;

/// Least squares of `w_t` on `w_{t-1..t-k}` over `t ≥ k` through the normal equations: the
/// Gram matrix of the lagged design from its first row and the sliding-window recurrence
/// `G_{i+1,j+1} = G_ij + w_{k-2-i} w_{k-2-j} − w_{n-2-i} w_{n-2-j}`, then Cholesky. `None`
/// (the caller falls back to QR) when a pivot is below `1e-6` of its diagonal entry
/// (`R_jj` under 1e-3 of its column's norm: too ill-conditioned for squared conditioning)
/// or anything is not finite.
fn ar_normal_equations(w: &[f64], k: usize) -> Option<Array1<f64>> {
    let n = w.len();
    if k == 0 || n <= k + 1 {
        return None;
    }
    let mut g = Array2::<f64>::zeros((k, k));
    for j in 0..k {
        g[[0, j]] = (k..n).map(|t| w[t - 1] * w[t - 1 - j]).sum();
    }
    for i in 0..k - 1 {
        for j in i..k - 1 {
            g[[i + 1, j + 1]] =
                g[[i, j]] + w[k - 2 - i] * w[k - 2 - j] - w[n - 2 - i] * w[n - 2 - j];
        }
    }
    let b: Vec<f64> = (0..k)
        .map(|i| (k..n).map(|t| w[t] * w[t - 1 - i]).sum())
        .collect();
    let r = cholesky_upper(g.view(), 1e-6)?;
    // Rᵀ z = b, then R β = z.
    let mut z = vec![0.0; k];
    for i in 0..k {
        let s: f64 = (0..i).map(|l| r[[l, i]] * z[l]).sum();
        z[i] = (b[i] - s) / r[[i, i]];
    }
    let mut beta = Array1::<f64>::zeros(k);
    for i in (0..k).rev() {
        let s: f64 = (i + 1..k).map(|l| r[[i, l]] * beta[l]).sum();
        beta[i] = (z[i] - s) / r[[i, i]];
    }
    beta.iter().all(|v| v.is_finite()).then_some(beta)
}
