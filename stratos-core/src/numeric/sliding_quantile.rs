//! A bounded streaming quantile estimate over a sliding window of non-negative values: a
//! fixed-bin histogram (log-spaced bins) kept in a Fenwick tree, with the window's bins in
//! arrival order so the oldest value can be taken out. O(log bins) per push and per quantile.
//!
//! It replaces an exact order-statistics window for the adaptive threshold, whose per-record
//! cost grew with the window (5,000 surprises for `auto`). No maintained crate offers a quantile
//! sketch with deletions over a sliding window (t-digest and DDSketch implementations only
//! merge), hence this small structure.

/// Bins of the histogram.
const BINS: usize = 1024;
/// The bins are equal in `ln(1 + x / SCALE)`.
const SCALE: f64 = 0.01;
/// Values at or above this share the last bin.
const MAX: f64 = 1000.0;

/// Bins per unit of `ln(1 + x / SCALE)`.
fn per_unit() -> f64 {
    BINS as f64 / (MAX / SCALE).ln_1p()
}

/// The last `capacity` finite values, as a histogram of 1,024 bins equal in `ln(1 + x / 0.01)`
/// over `[0, 1000]` (each bin about 1.1 % wide in relative terms above 0.01; negative values
/// count as 0, values above 1,000 in the last bin), counted in a Fenwick tree, plus the bin of
/// each value in arrival order (2 bytes a value) so the oldest can be removed.
///
/// A quantile is the order statistic of numpy's `linear` rule, each order statistic read at its
/// rank inside its bin (values assumed spread evenly in the bin's log scale): within one bin's
/// width of the exact answer. Push and quantile cost O(log 1024); memory is
/// `2 · min(len, capacity) + 4 · 1024` bytes, growing with the data up to the capacity.
/// Deterministic: the same values give the same answers.
///
/// # Examples
/// ```
/// use stratos_core::numeric::SlidingQuantileSketch;
/// let mut w = SlidingQuantileSketch::new(4);
/// for x in [5.0, 1.0, 3.0, 9.0, 2.0] { w.push(x); }
/// // Window [1, 3, 9, 2]: exact median 2.5.
/// let m = w.quantile(0.5).unwrap_or(0.0);
/// assert!((m - 2.5).abs() < 0.03 * 2.5, "{m}");
/// assert_eq!(w.len(), 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SlidingQuantileSketch {
    capacity: usize,
    /// The bin of each value, in arrival order (a ring once full).
    ring: Vec<u16>,
    /// The oldest value's slot once full.
    head: usize,
    /// Fenwick tree over the bin counts (1-based positions stored at index − 1).
    tree: Vec<u32>,
}

impl SlidingQuantileSketch {
    /// A window of at most `capacity` values (at least 1).
    pub fn new(capacity: usize) -> Self {
        SlidingQuantileSketch {
            capacity: capacity.max(1),
            ring: Vec::new(),
            head: 0,
            tree: vec![0; BINS],
        }
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// The bin of `x` (finite).
    fn bin(x: f64) -> u16 {
        let t = (x.max(0.0) / SCALE).ln_1p() * per_unit();
        // `t` ≥ 0; the cast saturates, the `min` keeps it in range.
        (t as usize).min(BINS - 1) as u16
    }

    fn add(&mut self, bin: u16, up: bool) {
        let mut i = usize::from(bin) + 1;
        while i <= BINS {
            if let Some(c) = self.tree.get_mut(i - 1) {
                *c = if up {
                    c.saturating_add(1)
                } else {
                    c.saturating_sub(1)
                };
            }
            i += i & i.wrapping_neg();
        }
    }

    /// Adds `x` (non-finite values are ignored), evicting the oldest value when full.
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        let b = Self::bin(x);
        if self.ring.len() < self.capacity {
            if self.ring.len() == self.ring.capacity() {
                // Grow by doubling, never beyond the capacity.
                let extra = self.ring.len().max(8).min(self.capacity - self.ring.len());
                self.ring.reserve_exact(extra);
            }
            self.ring.push(b);
        } else if let Some(slot) = self.ring.get_mut(self.head) {
            let old = std::mem::replace(slot, b);
            self.head = (self.head + 1) % self.capacity;
            self.add(old, false);
        }
        self.add(b, true);
    }

    /// The count of bin `b`.
    fn count(&self, b: usize) -> u32 {
        let i = b + 1;
        let mut v = self.tree.get(i - 1).copied().unwrap_or(0);
        let stop = i - (i & i.wrapping_neg());
        let mut j = i - 1;
        while j > stop {
            v = v.saturating_sub(self.tree.get(j - 1).copied().unwrap_or(0));
            j -= j & j.wrapping_neg();
        }
        v
    }

    /// The `k`-th smallest value (0-based, `k < len`), read inside its bin.
    fn kth(&self, k: usize) -> f64 {
        let mut pos = 0usize;
        let mut rest = k as u64;
        let mut step = BINS.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= BINS {
                let c = u64::from(self.tree.get(next - 1).copied().unwrap_or(0));
                if c <= rest {
                    pos = next;
                    rest -= c;
                }
            }
            step /= 2;
        }
        let b = pos.min(BINS - 1);
        let c = f64::from(self.count(b).max(1));
        let t = (b as f64 + ((rest as f64 + 0.5) / c).min(1.0)) / per_unit();
        SCALE * t.exp_m1()
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics
    /// (numpy's `linear` rule), each read from the histogram; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        let pos = q * (n - 1) as f64;
        let lo = (pos.floor() as usize).min(n - 1);
        let hi = (lo + 1).min(n - 1);
        let frac = pos - lo as f64;
        let a = self.kth(lo);
        let b = if hi == lo { a } else { self.kth(hi) };
        Some(a + (b - a) * frac)
    }

    /// Heap bytes held, by capacity: at most `2 · capacity + 4096`.
    pub fn heap_bytes(&self) -> usize {
        self.ring.capacity() * std::mem::size_of::<u16>()
            + self.tree.capacity() * std::mem::size_of::<u32>()
    }

    /// Forgets all values.
    pub fn clear(&mut self) {
        self.ring.clear();
        self.head = 0;
        self.tree.iter_mut().for_each(|c| *c = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::super::SortedWindow;
    use super::*;
    use proptest::prelude::*;

    /// One bin's relative width, plus room for the interpolation between two order statistics.
    fn close(a: f64, b: f64) -> bool {
        let tol = 0.025 * a.abs().max(b.abs()) + 2.0 * SCALE * (1.0 / per_unit()).exp_m1();
        (a - b).abs() <= tol
    }

    proptest! {
        /// Within a bin of the exact quantiles of the same window, which it follows as it slides.
        #[test]
        fn follows_the_exact_window(
            xs in proptest::collection::vec(prop_oneof![0.0f64..5.0, 0.0f64..700.0], 1..1500),
            w in 1usize..700,
            q in 0.0f64..=1.0,
        ) {
            let mut a = SlidingQuantileSketch::new(w);
            let mut b = SortedWindow::new(w);
            for &x in &xs {
                a.push(x);
                b.push(x);
                prop_assert_eq!(a.len(), b.len());
                let (qa, qb) = (a.quantile(q).unwrap_or(f64::NAN), b.quantile(q).unwrap_or(f64::NAN));
                prop_assert!(close(qa, qb), "{} vs {}", qa, qb);
            }
            prop_assert!(a.heap_bytes() <= 2 * w.max(8) + 4 * BINS);
        }
    }

    #[test]
    fn order_statistics_are_read_in_their_bins() {
        let mut w = SlidingQuantileSketch::new(5000);
        for i in 0..5000 {
            w.push(f64::from(i) / 100.0);
        }
        // Exact 0.995 quantile: 49.7505.
        let q = w.quantile(0.995).unwrap_or(0.0);
        assert!((q - 49.7505).abs() < 0.02 * 49.75, "{q}");
        assert!(w.quantile(0.0).unwrap_or(1.0) < 0.01);
        // The window slides: after 5,000 values of 1.0 all quantiles are about 1.
        for _ in 0..5000 {
            w.push(1.0);
        }
        assert!(close(w.quantile(0.995).unwrap_or(0.0), 1.0));
        assert!(close(w.quantile(0.0).unwrap_or(0.0), 1.0));
        assert_eq!(w.len(), 5000);
    }

    #[test]
    fn ignores_non_finite_clamps_and_clears() {
        let mut w = SlidingQuantileSketch::new(3);
        w.push(f64::NAN);
        w.push(f64::INFINITY);
        assert!(w.is_empty());
        assert_eq!(w.quantile(0.5), None);
        w.push(-5.0);
        assert!(w.quantile(0.5).unwrap_or(1.0) < 0.01);
        w.push(1e300);
        let top = w.quantile(1.0).unwrap_or(0.0);
        assert!(top.is_finite() && top >= 0.97 * MAX, "{top}");
        assert!(w.quantile(f64::NAN).is_some_and(f64::is_finite));
        w.clear();
        assert_eq!(w.len(), 0);
        assert_eq!(w.quantile(0.5), None);
    }
}
