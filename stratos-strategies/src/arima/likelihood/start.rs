//! Starting values: statsmodels' conditional-sum-of-squares regressions, with an AR(`k`)
//! fit standing in for the MA innovations.

use ndarray::{Array1, Array2, ArrayView1};
use stratos_core::numeric::Qr;

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
    let mut x = Vec::with_capacity(rows * k);
    for t in k..n {
        x.extend((1..=k).map(|j| w[t - j]));
    }
    let beta = lstsq(x, rows, k, &w[k..])?;
    let mut resid = vec![0.0; n];
    for t in k..n {
        let fit: f64 = (1..=k).map(|j| beta[j - 1] * w[t - j]).sum();
        resid[t] = w[t] - fit;
    }
    Some(resid)
}
