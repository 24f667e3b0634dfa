//! Interquartile-range (Tukey) fences over a sliding window.

use super::zscore::ZPoint;
use stratos_core::numeric::SortedWindow;

/// Tukey's fences against the `window` values before each point: with quartiles Q1, Q3
/// (numpy's linear interpolation) and IQR = Q3 − Q1, the statistic is the distance outside the
/// box in IQR units,
///
/// ```text
/// d_t = (x_t − Q3) / IQR  if x_t > Q3,   (x_t − Q1) / IQR  if x_t < Q1,   0 inside
/// ```
///
/// and a point is outside the fences `[Q1 − k·IQR, Q3 + k·IQR]` when |d| > k (k = 1.5 "outer",
/// 3 "far out"). The returned [`ZPoint`] carries `z = d`, `mean` = the median and `std` = IQR.
/// [`RollingIqr::sigma_equivalent`] maps a point to a normal-scale deviation for the anomaly
/// score. No score before the window is full, nor when IQR = 0.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::RollingIqr;
/// let mut k = RollingIqr::new(5);
/// for x in [1.0, 2.0, 3.0, 4.0, 5.0] { assert_eq!(k.push(x), None); }
/// // Q1 = 2, Q3 = 4, IQR = 2: 10 lies (10 − 4) / 2 = 3 IQRs above the box.
/// assert_eq!(k.push(10.0), Some(3.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RollingIqr {
    window: SortedWindow,
}

/// IQR of normal data in standard deviations: 2 Φ⁻¹(3/4).
const IQR_TO_SIGMA: f64 = 1.348_979_500_392_163_5;

impl RollingIqr {
    /// Fences over the previous `window` values (at least 1).
    pub fn new(window: usize) -> Self {
        RollingIqr {
            window: SortedWindow::new(window),
        }
    }

    /// Scores `x` against the current window without adding it.
    #[inline]
    pub fn score(&self, x: f64) -> Option<ZPoint> {
        if !x.is_finite() || !self.window.is_full() {
            return None;
        }
        let q1 = self.window.quantile(0.25)?;
        let q3 = self.window.quantile(0.75)?;
        let iqr = q3 - q1;
        if !(iqr > 0.0 && iqr.is_finite()) {
            return None;
        }
        let d = if x > q3 {
            (x - q3) / iqr
        } else if x < q1 {
            (x - q1) / iqr
        } else {
            0.0
        };
        let m = self.window.median()?;
        d.is_finite().then_some(ZPoint {
            z: d,
            center: m,
            scale: iqr,
        })
    }

    /// The deviation of a scored point on a normal scale: `|x − median| / (IQR / 1.349)`.
    pub fn sigma_equivalent(x: f64, p: &ZPoint) -> f64 {
        (x - p.center).abs() * IQR_TO_SIGMA / p.scale
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
