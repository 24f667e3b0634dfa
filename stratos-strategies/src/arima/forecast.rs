//! Out-of-sample forecasts with normal prediction intervals, statsmodels'
//! `ARIMAResults.get_forecast(steps).summary_frame(alpha)`.
//!
//! ```text
//! state at n:  s = [y_{n-1}, Δy_{n-1}, …, Δ^{d-1}y_{n-1}, seasonal blocks (known), a_{n|n-1}]
//!              P = blockdiag(0, P_{n|n-1})
//! step h:      mean_h = const + Z s,   se_h = sqrt(Z P Z'),   s ← T s,   P ← T P T' + σ² R R'
//! interval:    mean_h ∓ z · se_h,  z = Φ⁻¹(1 − α/2)   (no parameter uncertainty)
//! ```

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::error::ArimaError;
use super::kalman::FullSystem;
use super::model::FittedArima;

/// Forecasts of the levels of the series (for d > 0 too) with their standard errors and a
/// `1 − alpha` prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Point forecasts for steps 1..=h.
    pub mean: Vec<f64>,
    /// Standard errors of the forecasts (innovation and state uncertainty; parameters taken
    /// as known).
    pub se: Vec<f64>,
    /// Lower interval bounds, `mean − z · se`.
    pub lower: Vec<f64>,
    /// Upper interval bounds, `mean + z · se`.
    pub upper: Vec<f64>,
    /// The interval's `alpha` (0.05 for a 95 % interval).
    pub alpha: f64,
}

/// `Φ⁻¹(1 − alpha / 2)` for a standard normal.
pub(crate) fn z_value(alpha: f64) -> Result<f64, ArimaError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(ArimaError::invalid("alpha", alpha, "a number in (0, 1)"));
    }
    let normal = Normal::new(0.0, 1.0).map_err(|e| ArimaError::Numerical {
        message: format!("standard normal: {e}"),
    })?;
    Ok(normal.inverse_cdf(1.0 - alpha / 2.0))
}

impl FittedArima {
    /// Forecasts `steps` values ahead with a `1 − alpha` interval, from the Kalman filter's
    /// state at the end of the sample (see the module docs).
    ///
    /// # Errors
    /// [`ArimaError::InvalidParams`] (field `alpha`) unless `0 < alpha < 1`.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> Result<(), stratos_strategies::arima::ArimaError> {
    /// use stratos_strategies::arima::{Arima, ArimaOrder, ArimaParams};
    /// // A random walk: every forecast is the last value, with se = sqrt(h · sigma2).
    /// let y = [1.0, 2.0, 1.5, 3.0];
    /// let params = ArimaParams { constant: None, ar: vec![], ma: vec![], seasonal_ar: vec![], seasonal_ma: vec![], sigma2: 4.0 };
    /// let fc = Arima::new(ArimaOrder::new(0, 1, 0)).filter(&y, &params)?.forecast(2, 0.05)?;
    /// assert_eq!(fc.mean, [3.0, 3.0]);
    /// assert!((fc.se[1] - 8.0_f64.sqrt()).abs() < 1e-9);
    /// # Ok(()) }
    /// ```
    pub fn forecast(&self, steps: usize, alpha: f64) -> Result<Forecast, ArimaError> {
        let z = z_value(alpha)?;
        let params = &self.params;
        let sys = params.system(self.order);
        let integ = self.order.integration();
        let zi = integ.design();
        let mut full = FullSystem::new(integ, &sys);
        let m = full.m();
        let k = integ.k();
        let r = sys.r;
        let mut s = vec![0.0; m];
        let mut p = vec![0.0; m * m];
        let known = k.min(self.levels.len());
        s[..known].copy_from_slice(&self.levels[..known]);
        for i in 0..r {
            s[k + i] = self.state.get(i).copied().unwrap_or(0.0);
            for j in 0..r {
                p[(k + i) * m + k + j] = self.cov.get(i * r + j).copied().unwrap_or(0.0);
            }
        }
        let offset = params.constant.unwrap_or(0.0);
        let mut out = Forecast {
            mean: Vec::with_capacity(steps),
            se: Vec::with_capacity(steps),
            lower: Vec::with_capacity(steps),
            upper: Vec::with_capacity(steps),
            alpha,
        };
        for _ in 0..steps {
            let mean = offset + zi.iter().map(|&i| s[i]).sum::<f64>();
            let var: f64 = zi
                .iter()
                .map(|&i| zi.iter().map(|&j| p[i * m + j]).sum::<f64>())
                .sum();
            let se = var.max(0.0).sqrt();
            out.mean.push(mean);
            out.se.push(se);
            out.lower.push(mean - z * se);
            out.upper.push(mean + z * se);
            full.predict(&mut s, &mut p);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_values_match_scipy() {
        // scipy.stats.norm.ppf(0.975), norm.ppf(0.9) (CONVENTIONS.md §6)
        assert!((z_value(0.05).unwrap() - 1.959963984540054).abs() < 1e-14);
        assert!((z_value(0.2).unwrap() - 1.2815515655446004).abs() < 1e-14);
        assert!(z_value(0.0).is_err());
        assert!(z_value(f64::NAN).is_err());
        assert!(z_value(1.0).is_err());
    }
}
