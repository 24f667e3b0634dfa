//! A sliding window with fast order statistics for large windows.

use std::cmp::Ordering;

use stratos_core::numeric::Ring;

/// Target block size: blocks split above `2 · BLOCK` values.
const BLOCK: usize = 64;

/// The last `capacity` finite values, kept in arrival order (a [`Ring`]) and as a list of sorted
/// blocks of at most `2 · 64` values (a square-root decomposition), so that a push costs
/// O(capacity / 64 + 64) instead of the O(capacity) shift of one sorted vector, and the k-th
/// smallest value O(capacity / 64). It answers the same quantiles as
/// [`SortedWindow`](super::SortedWindow) (numpy's `linear` rule), exactly.
///
/// Memory: the ring plus at most `2 · capacity / 64 + 3` blocks of capacity at most 129 values,
/// O(capacity); blocks are rebuilt evenly when removals leave too many small ones.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::QuantileWindow;
/// let mut w = QuantileWindow::new(4);
/// for x in [5.0, 1.0, 3.0, 9.0, 2.0] { w.push(x); }
/// // Window [1, 3, 9, 2]: sorted [1, 2, 3, 9].
/// assert_eq!(w.quantile(0.5), Some(2.5));
/// assert_eq!(w.len(), 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileWindow {
    ring: Ring,
    blocks: Vec<Vec<f64>>,
    len: usize,
}

fn cmp(a: &f64, b: &f64) -> Ordering {
    a.total_cmp(b)
}

impl QuantileWindow {
    /// A window of at most `capacity` values (at least 1).
    pub fn new(capacity: usize) -> Self {
        QuantileWindow {
            ring: Ring::new(capacity),
            blocks: Vec::new(),
            len: 0,
        }
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block that holds (or would hold) `x`: the first whose largest value is ≥ `x`, else
    /// the last.
    fn block_of(&self, x: f64) -> usize {
        let i = self
            .blocks
            .partition_point(|b| b.last().is_some_and(|last| cmp(last, &x) == Ordering::Less));
        i.min(self.blocks.len().saturating_sub(1))
    }

    /// Adds `x` (non-finite values are ignored), evicting the oldest value when full.
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        let x = if x == 0.0 { 0.0 } else { x };
        if let Some(old) = self.ring.push(x) {
            self.remove(old);
        }
        if self.blocks.is_empty() {
            let mut b = Vec::with_capacity(2 * BLOCK + 1);
            b.push(x);
            self.blocks.push(b);
        } else {
            let k = self.block_of(x);
            let block = &mut self.blocks[k];
            let i = block.binary_search_by(|v| cmp(v, &x)).unwrap_or_else(|i| i);
            block.insert(i, x);
            if block.len() > 2 * BLOCK {
                let mut tail = Vec::with_capacity(2 * BLOCK + 1);
                tail.extend(block.drain(BLOCK..));
                self.blocks.insert(k + 1, tail);
            }
        }
        self.len += 1;
    }

    fn remove(&mut self, x: f64) {
        if self.blocks.is_empty() {
            return;
        }
        let k = self.block_of(x);
        let block = &mut self.blocks[k];
        if let Ok(i) = block.binary_search_by(|v| cmp(v, &x)) {
            block.remove(i);
            self.len -= 1;
            if block.is_empty() {
                self.blocks.remove(k);
            }
        }
        if self.blocks.len() > 2 * self.len.div_ceil(BLOCK) + 3 {
            self.rebuild();
        }
    }

    /// Re-chunks the values into blocks of `BLOCK`.
    fn rebuild(&mut self) {
        let all: Vec<f64> = self.blocks.iter().flatten().copied().collect();
        self.blocks = all
            .chunks(BLOCK)
            .map(|c| {
                let mut b = Vec::with_capacity(2 * BLOCK + 1);
                b.extend_from_slice(c);
                b
            })
            .collect();
    }

    /// The `k`-th smallest value (0-based).
    fn kth(&self, mut k: usize) -> Option<f64> {
        for b in &self.blocks {
            if k < b.len() {
                return b.get(k).copied();
            }
            k -= b.len();
        }
        None
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics
    /// (numpy's default `linear` method); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.len == 0 {
            return None;
        }
        let pos = q.clamp(0.0, 1.0) * (self.len - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(self.len - 1);
        let frac = pos - lo as f64;
        let (a, b) = (self.kth(lo)?, self.kth(hi)?);
        Some(a + (b - a) * frac)
    }

    /// Heap bytes held, by capacity.
    pub fn heap_bytes(&self) -> usize {
        self.ring.capacity() * std::mem::size_of::<f64>()
            + self.blocks.capacity() * std::mem::size_of::<Vec<f64>>()
            + self
                .blocks
                .iter()
                .map(|b| b.capacity() * std::mem::size_of::<f64>())
                .sum::<usize>()
    }

    /// Forgets all values.
    pub fn clear(&mut self) {
        self.ring.clear();
        self.blocks.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::SortedWindow;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Same quantiles as the single sorted vector, for windows spanning many blocks.
        #[test]
        fn matches_sorted_window(
            xs in proptest::collection::vec(prop_oneof![-5i32..5, -100_000i32..100_000], 1..1500),
            w in 1usize..700,
            q in 0.0f64..=1.0,
        ) {
            let mut a = QuantileWindow::new(w);
            let mut b = SortedWindow::new(w);
            for &x in &xs {
                a.push(f64::from(x));
                b.push(f64::from(x));
                prop_assert_eq!(a.len(), b.len());
                prop_assert_eq!(a.quantile(q), b.quantile(q));
            }
            prop_assert!(a.blocks.len() <= 2 * a.len.div_ceil(BLOCK) + 3);
        }
    }

    #[test]
    fn ignores_non_finite_and_clears() {
        let mut w = QuantileWindow::new(3);
        w.push(f64::NAN);
        w.push(f64::INFINITY);
        assert!(w.is_empty());
        assert_eq!(w.quantile(0.5), None);
        w.push(-0.0);
        w.push(0.0);
        w.push(1.0);
        w.push(2.0);
        assert_eq!(w.quantile(0.0), Some(0.0));
        w.clear();
        assert_eq!(w.len(), 0);
    }
}
