//! The rolling z-score kernel.

use stratos_core::numeric::{RollingMoments, erf, erfc};

/// A scored point: z and the reference window's center and scale, `z = (x − center) / scale`.
/// Which center and scale depends on the method: mean and standard deviation (z-score),
/// median and scaled MAD (robust z), median and IQR (IQR), EWMA mean and deviation (EWMA).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZPoint {
    /// (x − center) / scale.
    pub z: f64,
    /// The reference window's center (mean, median or EWMA mean).
    pub center: f64,
    /// The reference window's scale (standard deviation with the kernel's ddof, scaled MAD,
    /// IQR or EWMA deviation).
    pub scale: f64,
}

/// Rolling z-score of each value against the `window` values *before* it:
///
/// ```text
/// m_t = mean(x_{t−w} … x_{t−1}),  s_t = std(same, ddof),  z_t = (x_t − m_t) / s_t
/// ```
///
/// No score until `window` values have been seen; no score when the window is constant
/// (s_t = 0, z undefined: reported as `None`, never a division by zero), nor when the window's
/// variance overflows. Non-finite values get no score and are not added to the window. The moments come from
/// [`RollingMoments`], exact on series offset by 1e9.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::RollingZScore;
/// let mut z = RollingZScore::new(3, 1);
/// for x in [1.0, 2.0, 3.0] { assert_eq!(z.push(x), None); }
/// assert_eq!(z.push(4.0), Some(2.0)); // (4 − 2) / 1
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RollingZScore {
    moments: RollingMoments,
    ddof: usize,
}

impl RollingZScore {
    /// A z-score against the previous `window` values (at least 1) with `ddof`.
    pub fn new(window: usize, ddof: usize) -> Self {
        RollingZScore {
            moments: RollingMoments::new(window),
            ddof,
        }
    }

    /// Scores `x` against the current window without adding it.
    #[inline]
    pub fn score(&self, x: f64) -> Option<ZPoint> {
        if !x.is_finite() || !self.moments.is_full() || self.moments.is_constant() {
            return None;
        }
        let std = self.moments.std(self.ddof)?;
        // A window whose variance overflows (values near f64::MAX) has no usable scale.
        if !std.is_finite() || std <= 0.0 {
            return None;
        }
        let z = self.moments.deviation(x)? / std;
        let mean = self.moments.mean()?;
        (z.is_finite() && mean.is_finite()).then_some(ZPoint {
            z,
            center: mean,
            scale: std,
        })
    }

    /// Adds `x` to the window (non-finite values are skipped).
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x.is_finite() {
            self.moments.push(x);
        }
    }

    /// Scores `x` against the previous window, then adds it.
    #[inline]
    pub fn push(&mut self, x: f64) -> Option<f64> {
        let z = self.score(x).map(|p| p.z);
        self.add(x);
        z
    }

    /// Forgets all values.
    pub fn reset(&mut self) {
        self.moments.clear();
    }
}

/// |z| beyond which the score leaves `erf` for a slower tail (see [`anomaly_score`]).
const TAIL_START: f64 = 6.0;

/// The anomaly score of a z: the two-sided normal probability mass within |z|,
/// `erf(|z| / √2)`, in [0, 1); 0 when undefined. (|z| = 3 scores 0.9973.)
///
/// Above |z| = 6 (score 1 − 1.97·10⁻⁹) `erf` rounds to 1 within a few σ, which would tie every
/// large deviation; there the score continues as `1 − erfc(6/√2) · 6/|z|`, continuous and still
/// strictly increasing up to |z| ≈ 10⁸, so scores keep ranking far outliers.
pub fn anomaly_score(z: Option<f64>) -> f64 {
    z.map_or(0.0, |z| {
        let a = z.abs();
        if a <= TAIL_START {
            erf(a / std::f64::consts::SQRT_2)
        } else {
            let tail = erfc(TAIL_START / std::f64::consts::SQRT_2);
            1.0 - tail * TAIL_START / a
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_window_gives_no_score() {
        let mut z = RollingZScore::new(3, 1);
        for x in [5.0, 5.0, 5.0] {
            z.push(x);
        }
        assert_eq!(z.push(100.0), None);
        assert!(z.push(5.0).is_some(), "window [5, 5, 100] is not constant");
    }

    #[test]
    fn offset_by_1e9_gives_the_same_z() {
        let xs: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 101) as f64 / 10.0 + if i % 777 == 0 { 50.0 } else { 0.0 })
            .collect();
        let mut a = RollingZScore::new(50, 1);
        let mut b = RollingZScore::new(50, 1);
        for &x in &xs {
            match (a.push(x), b.push(x + 1e9)) {
                (Some(za), Some(zb)) => {
                    assert!((za - zb).abs() < 1e-5 * za.abs().max(1.0), "{za} vs {zb}")
                }
                (za, zb) => assert_eq!(za, zb),
            }
        }
    }

    /// fuzz/regressions/series/zscore_nan_when_variance_overflows.
    #[test]
    fn overflowing_variance_gives_no_score() {
        let mut z = RollingZScore::new(2, 1);
        z.push(1e300);
        z.push(-1e300);
        assert_eq!(z.push(0.0), None);
    }

    #[test]
    fn scores() {
        assert_eq!(anomaly_score(None), 0.0);
        assert!((anomaly_score(Some(-3.0)) - 0.997_300_203_936_739_8).abs() < 1e-12);
        // Continuous at 6 and still increasing far out.
        assert!((anomaly_score(Some(6.0)) - anomaly_score(Some(6.000_000_001))).abs() < 1e-15);
        assert!(anomaly_score(Some(1e3)) < anomaly_score(Some(1e4)));
        assert!(anomaly_score(Some(1e4)) < 1.0);
        assert!(anomaly_score(Some(f64::MAX)) <= 1.0);
    }
}
