//! The map between unconstrained reals and stationary AR / invertible MA polynomials that the
//! optimizer works through: statsmodels' `constrain_stationary_univariate` and
//! `unconstrain_stationary_univariate` (`statsmodels/tsa/statespace/tools.py`; Jones 1980,
//! Monahan 1984).
//!
//! ```text
//! constrain(u):   r_k = u_k / sqrt(1 + u_k²)                     (partial autocorrelations)
//!                 y[k][i] = y[k-1][i] + r_k · y[k-1][k-i-1]   (i < k),   y[k][k] = r_k
//!                 φ = −y[n-1]
//! unconstrain(φ): y[n-1] = −φ;  y[k-1][i] = (y[k][i] − y[k][k] y[k][k-i-1]) / (1 − y[k][k]²)
//!                 r = diag(y),  u = r / sqrt(1 − r²)
//! ```
//!
//! AR coefficients are `constrain(u)` (for `φ(L) = 1 − φ₁L − …`) and MA coefficients
//! `−constrain(u)` (for `θ(L) = 1 + θ₁L + …`), as statsmodels' `SARIMAX.transform_params`.

use crate::linalg::Real;

/// The largest order the transforms handle (the model's p, q limit).
pub(crate) const MAX_LAG: usize = 10;

/// statsmodels `constrain_stationary_univariate`: writes into `out[..u.len()]` the
/// coefficients of a stationary AR polynomial.
pub(crate) fn constrain_stationary<S: Real>(u: &[S], out: &mut [S]) {
    let n = u.len().min(MAX_LAG).min(out.len());
    let mut prev = [S::cst(0.0); MAX_LAG];
    let mut cur = [S::cst(0.0); MAX_LAG];
    for k in 0..n {
        let r = u[k] / (u[k] * u[k] + 1.0).sqrt();
        for i in 0..k {
            cur[i] = prev[i] + r * prev[k - i - 1];
        }
        cur[k] = r;
        prev[..=k].copy_from_slice(&cur[..=k]);
    }
    for (o, y) in out[..n].iter_mut().zip(&prev[..n]) {
        *o = -*y;
    }
}

/// The partial autocorrelations of the AR polynomial `1 − Σ φ_i L^i` (statsmodels' step-down
/// recursion, `unconstrain_stationary_univariate` before its last step), or `None` when the
/// polynomial is not stationary (some |r_k| ≥ 1) or a value is not finite.
pub(crate) fn partial_autocorrelations(phi: &[f64]) -> Option<Vec<f64>> {
    let n = phi.len();
    if n == 0 {
        return Some(Vec::new());
    }
    let mut row: Vec<f64> = phi.iter().map(|v| -v).collect();
    let mut r = vec![0.0; n];
    for k in (0..n).rev() {
        let rk = row[k];
        if !rk.is_finite() || rk.abs() >= 1.0 {
            return None;
        }
        r[k] = rk;
        if k == 0 {
            break;
        }
        let denom = 1.0 - rk * rk;
        let next: Vec<f64> = (0..k)
            .map(|i| (row[i] - rk * row[k - i - 1]) / denom)
            .collect();
        row[..k].copy_from_slice(&next);
    }
    Some(r)
}

/// statsmodels `unconstrain_stationary_univariate`: the unconstrained values whose
/// [`constrain_stationary`] image is `phi`, or `None` when `phi` is not stationary.
pub(crate) fn unconstrain_stationary(phi: &[f64]) -> Option<Vec<f64>> {
    let r = partial_autocorrelations(phi)?;
    let u: Vec<f64> = r.iter().map(|r| r / (1.0 - r * r).sqrt()).collect();
    u.iter().all(|v| v.is_finite()).then_some(u)
}

/// True when `1 − Σ φ_i z^i` has all its roots outside the unit circle (statsmodels'
/// `is_invertible(np.r_[1, -phi])`). For an MA polynomial `1 + Σ θ_i z^i`, pass `−θ`.
pub(crate) fn is_stationary(phi: &[f64]) -> bool {
    partial_autocorrelations(phi).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ar1_maps_through_the_partial_autocorrelation() {
        let mut out = [0.0];
        constrain_stationary(&[1.0_f64], &mut out);
        // statsmodels: -(1 / sqrt(2))
        assert!((out[0] + std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
        let u = unconstrain_stationary(&out).unwrap();
        assert!((u[0] - 1.0).abs() < 1e-14);
    }

    #[test]
    fn nonstationary_polynomials_are_rejected() {
        assert!(!is_stationary(&[1.0]));
        assert!(!is_stationary(&[1.2, -0.1]));
        assert!(!is_stationary(&[0.5, 0.6]));
        assert!(is_stationary(&[1.47, -0.755]));
        assert!(is_stationary(&[]));
        assert!(unconstrain_stationary(&[f64::NAN]).is_none());
    }

    proptest! {
        #[test]
        fn constrain_unconstrain_round_trip(u in prop::collection::vec(-3.0_f64..3.0, 1..=8)) {
            let mut phi = vec![0.0; u.len()];
            constrain_stationary(&u, &mut phi);
            prop_assert!(is_stationary(&phi));
            let back = unconstrain_stationary(&phi).unwrap();
            for (a, b) in u.iter().zip(&back) {
                // Stepping down divides by 1 − r_k² (≥ 0.1 here) up to 8 times.
                prop_assert!((a - b).abs() <= 1e-6, "{a} vs {b}");
            }
            let mut again = vec![0.0; u.len()];
            constrain_stationary(&back, &mut again);
            for (a, b) in phi.iter().zip(&again) {
                prop_assert!((a - b).abs() <= 1e-12, "{a} vs {b}");
            }
        }
    }
}
