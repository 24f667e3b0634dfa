//! Robust z-score: median and median absolute deviation over a sliding window.

use super::zscore::ZPoint;
use stratos_core::numeric::SortedWindow;

/// 1 / Φ⁻¹(3/4): scales the MAD of normal data to its standard deviation
/// (Iglewicz & Hoaglin 1993; the 0.6745 of their modified z-score).
pub const MAD_TO_SIGMA: f64 = 1.482_602_218_505_602;

/// Mean absolute deviation of normal data to its standard deviation: √(π/2).
const MEAN_AD_TO_SIGMA: f64 = 1.253_314_137_315_500_3;

/// Robust (modified) z-score of each value against the `window` values before it:
///
/// ```text
/// z_t = (x_t − median) / (1.4826 · MAD)        (Iglewicz & Hoaglin's 0.6745 (x − m) / MAD)
/// ```
///
/// When more than half the window is one value the MAD is 0; then the scale falls back to
/// 1.2533 · mean absolute deviation from the median (their suggestion), an O(window) step taken
/// only in that case. No score before the window is full, nor when the window is constant
/// (`mean` and `std` of the returned [`ZPoint`] are the median and the robust scale).
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::RollingRobustZ;
/// let mut k = RollingRobustZ::new(5);
/// for x in [1.0, 2.0, 3.0, 4.0, 100.0] { assert_eq!(k.push(x), None); }
/// // median 3, MAD 1: a 1000 is ~672σ away, and the outlier 100 barely moved the median.
/// assert!((k.push(1000.0).unwrap() - 997.0 / 1.482602218505602).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RollingRobustZ {
    window: SortedWindow,
}

impl RollingRobustZ {
    /// A robust z against the previous `window` values (at least 1).
    pub fn new(window: usize) -> Self {
        RollingRobustZ {
            window: SortedWindow::new(window),
        }
    }

    /// Scores `x` against the current window without adding it.
    #[inline]
    pub fn score(&self, x: f64) -> Option<ZPoint> {
        if !x.is_finite() || !self.window.is_full() {
            return None;
        }
        let m = self.window.median()?;
        let mut scale = MAD_TO_SIGMA * self.window.mad()?;
        if scale <= 0.0 {
            scale = MEAN_AD_TO_SIGMA * self.window.mean_abs_deviation(m)?;
        }
        if !(scale > 0.0 && scale.is_finite()) {
            return None;
        }
        let z = (x - m) / scale;
        z.is_finite().then_some(ZPoint {
            z,
            center: m,
            scale,
        })
    }

    /// Adds `x` to the window (non-finite values are skipped).
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.window.push(x);
    }

    /// Scores `x` against the previous window, then adds it.
    pub fn push(&mut self, x: f64) -> Option<f64> {
        let z = self.score(x).map(|p| p.z);
        self.add(x);
        z
    }

    /// Heap bytes held by the window.
    pub fn heap_bytes(&self) -> usize {
        self.window.heap_bytes()
    }

    /// Forgets all values.
    pub fn reset(&mut self) {
        self.window.clear();
    }
}
