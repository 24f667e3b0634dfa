//! EWMA control chart.

use super::zscore::ZPoint;

/// An exponentially weighted control chart: each value is compared with the exponentially
/// weighted mean and standard deviation of the values before it,
///
/// ```text
/// z_t = (x_t − m_{t−1}) / s_{t−1}
/// δ = x_t − m_{t−1},  m_t = m_{t−1} + α δ,  s_t² = (1 − α) (s_{t−1}² + α δ²)
/// ```
///
/// (the incremental exponentially weighted variance of Finch 2009, "Incremental calculation of
/// weighted mean and variance", eq. 143). Memory is O(1). No score during the first `warmup`
/// values, nor while s = 0 (a constant start). Non-finite values are skipped.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::EwmaChart;
/// let mut k = EwmaChart::new(0.5, 2);
/// assert_eq!(k.push(1.0), None);
/// assert_eq!(k.push(3.0), None); // m = 2, s² = 0.5 · (0 + 0.5 · 4) = 1
/// assert_eq!(k.push(4.0), Some(2.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EwmaChart {
    alpha: f64,
    warmup: usize,
    seen: usize,
    mean: f64,
    var: f64,
}

impl EwmaChart {
    /// A chart with smoothing `alpha` in (0, 1] that scores after `warmup` values.
    pub fn new(alpha: f64, warmup: usize) -> Self {
        EwmaChart {
            alpha,
            warmup,
            seen: 0,
            mean: 0.0,
            var: 0.0,
        }
    }

    /// Scores `x` against the current mean and deviation without adding it.
    #[inline]
    pub fn score(&self, x: f64) -> Option<ZPoint> {
        if !x.is_finite() || self.seen < self.warmup.max(1) {
            return None;
        }
        let std = self.var.sqrt();
        if !(std > 0.0 && std.is_finite()) {
            return None;
        }
        let z = (x - self.mean) / std;
        z.is_finite().then_some(ZPoint {
            z,
            center: self.mean,
            scale: std,
        })
    }

    /// Adds `x` (non-finite values are skipped).
    #[inline]
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.seen == 0 {
            self.mean = x;
            self.var = 0.0;
        } else {
            let d = x - self.mean;
            let inc = self.alpha * d;
            self.mean += inc;
            self.var = (1.0 - self.alpha) * (self.var + d * inc);
        }
        self.seen = self.seen.saturating_add(1);
    }

    /// Scores `x`, then adds it.
    pub fn push(&mut self, x: f64) -> Option<f64> {
        let z = self.score(x).map(|p| p.z);
        self.add(x);
        z
    }

    /// Forgets all values.
    pub fn reset(&mut self) {
        self.seen = 0;
        self.mean = 0.0;
        self.var = 0.0;
    }
}
