//! A sliding window kept both in arrival order and sorted, for rolling order statistics.

use std::cmp::Ordering;

use super::Ring;

/// The last `capacity` finite values, in arrival order (a [`Ring`]) and sorted (a `Vec`).
///
/// A push costs a binary search plus a shift of at most `capacity` values (a `memmove`);
/// quantiles and the median cost O(1), the median absolute deviation O(log capacity) (see
/// [`SortedWindow::mad`]). Memory is 2 × capacity values.
///
/// # Examples
/// ```
/// use stratos_core::numeric::SortedWindow;
/// let mut w = SortedWindow::new(3);
/// for x in [5.0, 1.0, 3.0, 9.0] { w.push(x); }
/// assert_eq!(w.sorted(), &[1.0, 3.0, 9.0]);
/// assert_eq!(w.median(), Some(3.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SortedWindow {
    ring: Ring,
    sorted: Vec<f64>,
}

fn cmp(a: &f64, b: &f64) -> Ordering {
    a.total_cmp(b)
}

impl SortedWindow {
    /// A window of at most `capacity` values (at least 1).
    pub fn new(capacity: usize) -> Self {
        let ring = Ring::new(capacity);
        SortedWindow {
            // Grows with the values, as the ring does.
            sorted: Vec::new(),
            ring,
        }
    }

    /// Adds `x` (non-finite values are ignored), evicting the oldest value when full.
    #[inline]
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        // −0.0 and 0.0 are one value here, so eviction finds what was inserted.
        let x = if x == 0.0 { 0.0 } else { x };
        if let Some(old) = self.ring.push(x)
            && let Ok(i) = self.sorted.binary_search_by(|v| cmp(v, &old))
        {
            self.sorted.remove(i);
        }
        let i = self
            .sorted
            .binary_search_by(|v| cmp(v, &x))
            .unwrap_or_else(|i| i);
        self.sorted.insert(i, x);
    }

    /// The values, sorted ascending.
    pub fn sorted(&self) -> &[f64] {
        &self.sorted
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// True when holding `capacity` values.
    pub fn is_full(&self) -> bool {
        self.ring.is_full()
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics
    /// (numpy's default `linear` method: position `q · (n − 1)`); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.sorted.len();
        if n == 0 {
            return None;
        }
        let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        let frac = pos - lo as f64;
        let (a, b) = (self.sorted[lo], self.sorted[hi]);
        Some(a + (b - a) * frac)
    }

    /// The median; `None` when empty.
    pub fn median(&self) -> Option<f64> {
        let n = self.sorted.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(self.sorted[n / 2]),
            _ => Some(0.5 * (self.sorted[n / 2 - 1] + self.sorted[n / 2])),
        }
    }

    /// The `k`-th smallest (1-based) distance `|x_i − m|`, in O(log n): the `k` values closest to
    /// `m` are a contiguous run of the sorted window, found by binary search on its start.
    fn kth_distance(&self, m: f64, k: usize) -> f64 {
        let a = &self.sorted;
        let (mut lo, mut hi) = (0usize, a.len() - k);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if m - a[mid] > a[mid + k] - m {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (m - a[lo]).max(a[lo + k - 1] - m)
    }

    /// The median absolute deviation from the median, `median_i |x_i − median|` (unscaled);
    /// `None` when empty.
    pub fn mad(&self) -> Option<f64> {
        let m = self.median()?;
        let n = self.sorted.len();
        Some(if n % 2 == 1 {
            self.kth_distance(m, n / 2 + 1)
        } else {
            0.5 * (self.kth_distance(m, n / 2) + self.kth_distance(m, n / 2 + 1))
        })
    }

    /// The mean absolute deviation from the median, O(n).
    pub fn mean_abs_deviation(&self, m: f64) -> Option<f64> {
        if self.sorted.is_empty() {
            return None;
        }
        let s: f64 = self.sorted.iter().map(|x| (x - m).abs()).sum();
        Some(s / self.sorted.len() as f64)
    }

    /// Heap bytes held: both copies of the window, by capacity.
    pub fn heap_bytes(&self) -> usize {
        (self.ring.capacity() + self.sorted.capacity()) * std::mem::size_of::<f64>()
    }

    /// Forgets all values.
    pub fn clear(&mut self) {
        self.ring.clear();
        self.sorted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_mad(xs: &[f64]) -> f64 {
        let med = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let n = v.len();
            if n % 2 == 1 {
                v[n / 2]
            } else {
                0.5 * (v[n / 2 - 1] + v[n / 2])
            }
        };
        let m = med(&mut xs.to_vec());
        med(&mut xs.iter().map(|x| (x - m).abs()).collect())
    }

    proptest! {
        #[test]
        fn matches_a_naive_window(xs in proptest::collection::vec(prop_oneof![-5i32..5, -1000i32..1000], 1..120), w in 1usize..20) {
            let mut sw = SortedWindow::new(w);
            for (i, &x) in xs.iter().enumerate() {
                sw.push(f64::from(x));
                let window: Vec<f64> = xs[(i + 1).saturating_sub(w)..=i].iter().map(|&v| f64::from(v)).collect();
                let mut s = window.clone();
                s.sort_by(f64::total_cmp);
                prop_assert_eq!(sw.sorted(), &s[..]);
                prop_assert_eq!(sw.mad(), Some(naive_mad(&window)));
            }
        }
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let mut w = SortedWindow::new(10);
        for x in [1.0, 2.0, 3.0, 4.0] {
            w.push(x);
        }
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.75]) = [1.75, 3.25] (numpy 2.x, method="linear").
        assert_eq!(w.quantile(0.25), Some(1.75));
        assert_eq!(w.quantile(0.75), Some(3.25));
        assert_eq!(SortedWindow::new(3).quantile(0.5), None);
        w.push(f64::NAN);
        assert_eq!(w.len(), 4);
    }
}
