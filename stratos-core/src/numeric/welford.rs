use super::ring::Ring;

/// Mean and variance of the last `window` values, updated in O(1) per value and exact on
/// offset data.
///
/// ```text
/// values are held relative to a shift K (the window mean at the last resync):
///   d = x - K                          (exact by Sterbenz's lemma when x is near K)
/// adding while filling (Welford):     n += 1; δ = d - m; m += δ/n; M2 += δ (d - m)
/// sliding x in, y out (n fixed):      m' = m + (dx - dy)/n;  M2 += (dx - dy)(dx - m' + dy - m)
/// every `window` slides:              two-pass recompute of m and M2 from the ring, K := mean
/// ```
///
/// Working on deviations from a shift keeps a series offset by 1e9 as accurate as the
/// unshifted one, and the periodic two-pass resync (O(window) once per `window` updates, so
/// O(1) amortised) stops rounding from accumulating. A window of identical values is detected
/// exactly (a run counter), so its variance is exactly 0, never a rounding residue.
///
/// Non-finite values must not be pushed; callers skip them.
///
/// # Examples
/// ```
/// use stratos_core::numeric::RollingMoments;
/// let mut m = RollingMoments::new(3);
/// for x in [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0, 1e9 + 4.0] { m.push(x); }
/// assert_eq!(m.mean(), Some(1e9 + 3.0));
/// assert_eq!(m.variance(1), Some(1.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RollingMoments {
    ring: Ring,
    shift: f64,
    dmean: f64,
    m2: f64,
    run: usize,
    since_resync: usize,
}

impl RollingMoments {
    /// Moments over the last `window` values (at least 1).
    pub fn new(window: usize) -> Self {
        RollingMoments {
            ring: Ring::new(window),
            shift: 0.0,
            dmean: 0.0,
            m2: 0.0,
            run: 0,
            since_resync: 0,
        }
    }

    /// Adds a finite value, evicting the oldest when the window is full.
    #[inline]
    pub fn push(&mut self, x: f64) {
        let same = self.ring.last().is_some_and(|l| l.to_bits() == x.to_bits());
        self.run = if same { self.run + 1 } else { 1 };
        if self.ring.is_empty() {
            self.shift = x;
        }
        let dx = x - self.shift;
        match self.ring.push(x) {
            None => {
                let n = self.ring.len() as f64;
                let delta = dx - self.dmean;
                self.dmean += delta / n;
                self.m2 += delta * (dx - self.dmean);
            }
            Some(y) => {
                let dy = y - self.shift;
                let n = self.ring.len() as f64;
                let old = self.dmean;
                self.dmean += (dx - dy) / n;
                self.m2 += (dx - dy) * (dx - self.dmean + dy - old);
                self.since_resync += 1;
                if self.since_resync >= self.ring.capacity() {
                    self.resync();
                }
            }
        }
    }

    /// Recomputes mean and M2 from the window by two passes and re-centres the shift.
    fn resync(&mut self) {
        self.since_resync = 0;
        let n = self.ring.len() as f64;
        let k = self.shift;
        let mean_d = self.ring.iter().map(|v| v - k).sum::<f64>() / n;
        let mean = k + mean_d;
        let (mut ss, mut s) = (0.0, 0.0);
        for v in self.ring.iter() {
            let d = v - mean;
            ss += d * d;
            s += d;
        }
        self.shift = mean;
        self.dmean = 0.0;
        self.m2 = ss - s * s / n;
    }

    /// Number of values in the window.
    #[inline]
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True when no value has been pushed.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// True when the window holds `window` values.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.ring.is_full()
    }

    /// True when every value in the (non-empty) window is identical.
    #[inline]
    pub fn is_constant(&self) -> bool {
        !self.ring.is_empty() && self.run >= self.ring.len()
    }

    /// The window mean.
    #[inline]
    pub fn mean(&self) -> Option<f64> {
        (!self.ring.is_empty()).then_some(self.shift + self.dmean)
    }

    /// `x - mean`, computed relative to the shift for accuracy on offset data.
    #[inline]
    pub fn deviation(&self, x: f64) -> Option<f64> {
        (!self.ring.is_empty()).then_some((x - self.shift) - self.dmean)
    }

    /// The variance with `ddof` delta degrees of freedom (divide by n - ddof); `None` when
    /// n <= ddof.
    #[inline]
    pub fn variance(&self, ddof: usize) -> Option<f64> {
        let n = self.ring.len();
        if n <= ddof {
            return None;
        }
        if self.is_constant() {
            return Some(0.0);
        }
        Some(self.m2.max(0.0) / (n - ddof) as f64)
    }

    /// The standard deviation with `ddof`.
    #[inline]
    pub fn std(&self, ddof: usize) -> Option<f64> {
        self.variance(ddof).map(f64::sqrt)
    }

    /// Empties the window.
    pub fn clear(&mut self) {
        *self = RollingMoments::new(self.ring.capacity());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn two_pass(w: &[f64], ddof: usize) -> (f64, f64) {
        let n = w.len() as f64;
        let mean = w.iter().sum::<f64>() / n;
        let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - ddof as f64);
        (mean, var)
    }

    #[test]
    fn constant_window_has_exactly_zero_variance() {
        let mut m = RollingMoments::new(4);
        for x in [1.0, 7.3, 2.0, 5.5, 5.5, 5.5, 5.5] {
            m.push(x);
        }
        assert!(m.is_constant());
        assert_eq!(m.variance(1), Some(0.0));
        m.push(5.6);
        assert!(!m.is_constant());
    }

    #[test]
    fn offset_by_1e9_stays_exact_over_a_million_updates() {
        let mut state = 12345u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let xs: Vec<f64> = (0..1_000_000).map(|_| next()).collect();
        let mut a = RollingMoments::new(50);
        let mut b = RollingMoments::new(50);
        for &x in &xs {
            a.push(x);
            b.push(x + 1e9);
        }
        let (mean, var) = two_pass(&xs[xs.len() - 50..], 1);
        assert!((a.mean().unwrap() - mean).abs() < 1e-15);
        assert!((a.variance(1).unwrap() / var - 1.0).abs() < 1e-12);
        assert!(
            (b.variance(1).unwrap() / var - 1.0).abs() < 1e-6,
            "{} vs {var}",
            b.variance(1).unwrap()
        );
        let probe = 1e9 + 0.3;
        let dev = b.deviation(probe).unwrap();
        assert!((dev - (0.3 - mean)).abs() < 1e-6);
    }

    proptest! {
        #[test]
        fn matches_two_pass(xs in proptest::collection::vec(-1e3f64..1e3, 1..200), w in 1usize..20) {
            let mut m = RollingMoments::new(w);
            for (i, &x) in xs.iter().enumerate() {
                m.push(x);
                let lo = (i + 1).saturating_sub(w);
                let win = &xs[lo..=i];
                let (mean, var) = two_pass(win, 0);
                prop_assert!((m.mean().unwrap() - mean).abs() <= 1e-9 * (1.0 + mean.abs()));
                prop_assert!((m.variance(0).unwrap() - var).abs() <= 1e-8 * (1.0 + var));
            }
        }
    }
}
