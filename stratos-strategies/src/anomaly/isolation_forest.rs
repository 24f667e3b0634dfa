//! Isolation forest (Liu, Ting & Zhou 2008) over several fields, fitted on a sliding reference
//! window and scoring each new row against the forest fitted on rows before it.

/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"):
/// 64 bits of state, one add and three multiply-xorshift steps per draw. Kept in-house rather
/// than a `rand` dependency because the forest needs only uniform draws, and a fixed algorithm
/// here guarantees the same forest for the same seed across dependency upgrades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1) with 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform index in `0..n` (n ≥ 1), by Lemire's multiply-shift (bias below 2⁻⁶⁴ · n).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Average path length of an unsuccessful binary-search-tree search among `n` points,
/// `c(n) = 2 H(n − 1) − 2 (n − 1) / n` with `H(i) ≈ ln i + γ` (Liu et al. 2008, eq. 1);
/// c(1) = 0, c(2) = 1.
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
        }
    }
}

/// Marks a leaf in [`Node::left`].
const LEAF: u32 = u32::MAX;

/// A tree node, 32 bytes. A split sends `x < value` left (index `left`), else right
/// (`left + 1`), and keeps `lo..=hi`, the split feature's range in the node's sample. A leaf
/// (`left == LEAF`) holds in `value` the path-length adjustment c(size) of its sample.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    value: f64,
    lo: f64,
    hi: f64,
    feature: u32,
    left: u32,
}

impl Node {
    fn leaf(size: usize) -> Self {
        Node {
            value: average_path_length(size),
            lo: 0.0,
            hi: 0.0,
            feature: 0,
            left: LEAF,
        }
    }
}

/// A fitted isolation forest over `dims`-dimensional rows.
///
/// Trees are stored flat (children adjacent) and grown to the height limit ⌈log₂ ψ⌉ on
/// subsamples of ψ rows drawn without replacement. The anomaly score of a row is
/// `s = 2^(−E[h(x)] / c(ψ))`, in (0, 1]: near 1 for rows isolated quickly, about 0.5 or less
/// for ordinary ones.
///
/// One change to Liu et al.'s path length, for points outside the training range: in the
/// original, a split value is drawn within the node sample's range `[lo, hi]`, so a point beyond
/// `hi` always follows the extreme sample rows and scores like them, however far out it lies.
/// Here each split node keeps `[lo, hi]`, and a point `x` beyond it is scored as if the split had
/// been drawn over the range extended to include `x`: with probability
/// `p = (x − hi) / (x − lo)` (or `(lo − x) / (hi − x)`) that split isolates `x` at this depth,
/// otherwise it follows the tree. The expected path length is accumulated exactly in one pass.
/// Inside the range nothing changes.
#[derive(Debug, Clone, PartialEq)]
pub struct IsolationForest {
    dims: usize,
    nodes: Vec<Node>,
    roots: Vec<u32>,
    norm: f64,
}

impl IsolationForest {
    /// Fits `trees` trees on subsamples of `sample_size` rows of `rows` (row-major, `dims`
    /// values per row, all finite), drawing from `rng`. Returns `None` when there are fewer than
    /// 2 rows or `dims` is 0.
    pub fn fit(
        rows: &[f64],
        dims: usize,
        trees: usize,
        sample_size: usize,
        rng: &mut SplitMix64,
    ) -> Option<Self> {
        let mut forest = IsolationForest {
            dims,
            nodes: Vec::new(),
            roots: Vec::new(),
            norm: 0.0,
        };
        forest
            .refit(rows, dims, trees, sample_size, rng)
            .then_some(forest)
    }

    /// [`IsolationForest::fit`] into this forest's buffers (no allocation once they are
    /// large enough). Returns false (and leaves the forest empty) when there are fewer than 2
    /// rows or `dims` is 0.
    pub fn refit(
        &mut self,
        rows: &[f64],
        dims: usize,
        trees: usize,
        sample_size: usize,
        rng: &mut SplitMix64,
    ) -> bool {
        self.nodes.clear();
        self.roots.clear();
        self.dims = dims;
        let n = rows.len().checked_div(dims).unwrap_or(0);
        if dims == 0 || n < 2 {
            self.norm = 0.0;
            return false;
        }
        let psi = sample_size.clamp(2, n);
        let height_limit = (psi as f64).log2().ceil() as usize;
        self.norm = average_path_length(psi);
        self.nodes.reserve(trees * (2 * psi - 1));
        let mut idx: Vec<usize> = (0..n).collect();
        let mut stack: Vec<(usize, usize, usize, usize)> = Vec::with_capacity(2 * height_limit + 2);
        for _ in 0..trees {
            // Partial Fisher–Yates: the first psi entries become the sample.
            for i in 0..psi {
                let j = i + rng.below(n - i);
                idx.swap(i, j);
            }
            let root = self.nodes.len() as u32;
            self.roots.push(root);
            self.nodes.push(Node::leaf(0));
            // Explicit stack of (node slot, sample range, depth).
            stack.push((root as usize, 0usize, psi, 0usize));
            while let Some((slot, start, end, depth)) = stack.pop() {
                let size = end - start;
                let sample = &mut idx[start..end];
                if depth >= height_limit || size <= 1 {
                    self.nodes[slot] = Node::leaf(size);
                    continue;
                }
                // A uniformly chosen feature; if it is constant here, the next ones in turn
                // (so a feature that still varies is always found if there is one).
                let first = rng.below(dims);
                let mut chosen = None;
                for k in 0..dims {
                    let d = (first + k) % dims;
                    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
                    for &r in sample.iter() {
                        let v = rows[r * dims + d];
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                    if hi > lo {
                        chosen = Some((d, lo, hi));
                        break;
                    }
                }
                let Some((feature, lo, hi)) = chosen else {
                    self.nodes[slot] = Node::leaf(size);
                    continue;
                };
                let value = lo + rng.next_f64() * (hi - lo);
                // Keep both sides non-empty: a draw equal to the minimum moves up.
                let value = if value <= lo { hi } else { value };
                let mut mid = 0;
                for i in 0..sample.len() {
                    if rows[sample[i] * dims + feature] < value {
                        sample.swap(i, mid);
                        mid += 1;
                    }
                }
                let left = self.nodes.len() as u32;
                self.nodes.push(Node::leaf(0));
                self.nodes.push(Node::leaf(0));
                self.nodes[slot] = Node {
                    value,
                    lo,
                    hi,
                    feature: feature as u32,
                    left,
                };
                stack.push((left as usize, start, start + mid, depth + 1));
                stack.push((left as usize + 1, start + mid, end, depth + 1));
            }
        }
        true
    }

    /// Number of trees.
    pub fn trees(&self) -> usize {
        self.roots.len()
    }

    /// Mean (expected) path length of `x` (`dims` values) over the trees.
    pub fn mean_path_length(&self, x: &[f64]) -> f64 {
        let mut total = 0.0;
        for &root in &self.roots {
            let mut i = root as usize;
            let mut depth = 0.0;
            // Probability that x is not yet isolated, and the expected length so far.
            let mut alive = 1.0;
            let mut expected = 0.0;
            while let Some(node) = self.nodes.get(i) {
                if node.left == LEAF {
                    expected += alive * (depth + node.value);
                    break;
                }
                let v = x.get(node.feature as usize).copied().unwrap_or(0.0);
                let p = if v > node.hi {
                    (v - node.hi) / (v - node.lo)
                } else if v < node.lo {
                    (node.lo - v) / (node.hi - v)
                } else {
                    0.0
                };
                depth += 1.0;
                if p > 0.0 && p.is_finite() {
                    expected += alive * p * depth;
                    alive *= 1.0 - p;
                }
                i = node.left as usize + usize::from(v >= node.value);
            }
            total += expected;
        }
        total / self.roots.len().max(1) as f64
    }

    /// The anomaly score `2^(−E[h(x)] / c(ψ))` of `x`, in (0, 1].
    pub fn score(&self, x: &[f64]) -> f64 {
        if x.len() != self.dims || self.norm <= 0.0 {
            return 0.0;
        }
        (-self.mean_path_length(x) / self.norm).exp2()
    }
}

/// Online isolation-forest scoring with a sliding reference window: the last `window` complete
/// rows are kept; once the window is full a forest is fitted on it, and refitted every
/// `refit_every` rows after that. Each row is scored against the forest fitted on rows before
/// it, then added. Rows with a non-finite value get no score and are not added. The RNG is
/// part of the state, so a replay gives the same forests and scores.
///
/// Memory: the window (`window × dims` values) plus the forest (at most `trees × 2ψ` nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct IsolationForestState {
    dims: usize,
    window: usize,
    trees: usize,
    sample_size: usize,
    refit_every: usize,
    seed: u64,
    rng: SplitMix64,
    buf: Vec<f64>,
    head: usize,
    len: usize,
    since_fit: usize,
    scratch: Vec<f64>,
    forest: Option<IsolationForest>,
}

impl IsolationForestState {
    /// A state over `dims` fields with the given reference window, forest size, subsample size,
    /// refit period and seed.
    pub fn new(
        dims: usize,
        window: usize,
        trees: usize,
        sample_size: usize,
        refit_every: usize,
        seed: u64,
    ) -> Self {
        let window = window.max(2);
        IsolationForestState {
            dims,
            window,
            trees: trees.max(1),
            sample_size,
            refit_every: refit_every.max(1),
            seed,
            rng: SplitMix64::new(seed),
            buf: Vec::with_capacity(window * dims),
            head: 0,
            len: 0,
            since_fit: 0,
            scratch: Vec::new(),
            forest: None,
        }
    }

    /// The score of `x` against the current forest; `None` before the first fit or when `x`
    /// has a non-finite value.
    #[inline]
    pub fn score(&self, x: &[f64]) -> Option<f64> {
        if x.len() != self.dims || x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        self.forest.as_ref().map(|f| f.score(x))
    }

    /// Adds the row `x` to the reference window, refitting when due.
    pub fn add(&mut self, x: &[f64]) {
        if x.len() != self.dims || x.iter().any(|v| !v.is_finite()) {
            return;
        }
        if self.len < self.window {
            self.buf.extend_from_slice(x);
            self.len += 1;
        } else {
            let at = self.head * self.dims;
            self.buf[at..at + self.dims].copy_from_slice(x);
            self.head = (self.head + 1) % self.window;
        }
        self.since_fit += 1;
        if self.len == self.window && (self.forest.is_none() || self.since_fit >= self.refit_every)
        {
            // Fit on the window in arrival order, so the forest depends only on the rows.
            self.scratch.clear();
            self.scratch
                .extend_from_slice(&self.buf[self.head * self.dims..]);
            self.scratch
                .extend_from_slice(&self.buf[..self.head * self.dims]);
            let forest = self.forest.get_or_insert_with(|| IsolationForest {
                dims: self.dims,
                nodes: Vec::new(),
                roots: Vec::new(),
                norm: 0.0,
            });
            if !forest.refit(
                &self.scratch,
                self.dims,
                self.trees,
                self.sample_size,
                &mut self.rng,
            ) {
                self.forest = None;
            }
            self.since_fit = 0;
        }
    }

    /// Heap bytes held: the reference window, the fitting scratch copy and the forest, by
    /// capacity. Bounded by `(2 window dims + 1) · 8 + trees · (2ψ · node + 4)` bytes.
    pub fn heap_bytes(&self) -> usize {
        (self.buf.capacity() + self.scratch.capacity()) * std::mem::size_of::<f64>()
            + self.forest.as_ref().map_or(0, |f| {
                f.nodes.capacity() * std::mem::size_of::<Node>()
                    + f.roots.capacity() * std::mem::size_of::<u32>()
            })
    }

    /// Forgets all rows and the forest, and reseeds.
    pub fn reset(&mut self) {
        *self = IsolationForestState::new(
            self.dims,
            self.window,
            self.trees,
            self.sample_size,
            self.refit_every,
            self.seed,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolates_an_outlier_and_is_reproducible() {
        let mut rng = SplitMix64::new(7);
        let rows: Vec<f64> = (0..512).map(|_| rng.next_f64()).collect();
        let f = IsolationForest::fit(&rows, 2, 100, 128, &mut SplitMix64::new(1)).unwrap();
        let g = IsolationForest::fit(&rows, 2, 100, 128, &mut SplitMix64::new(1)).unwrap();
        assert_eq!(f, g);
        let inlier = f.score(&[0.5, 0.5]);
        let outlier = f.score(&[5.0, -3.0]);
        assert!(outlier > 0.6, "{outlier}");
        assert!(inlier < 0.5, "{inlier}");
    }

    #[test]
    fn constant_rows_and_degenerate_input_are_answered() {
        let f = IsolationForest::fit(&[1.0; 20], 2, 10, 8, &mut SplitMix64::new(1)).unwrap();
        assert!(f.score(&[1.0, 1.0]).is_finite());
        assert!(IsolationForest::fit(&[1.0], 1, 10, 8, &mut SplitMix64::new(1)).is_none());
        assert!(IsolationForest::fit(&[], 0, 10, 8, &mut SplitMix64::new(1)).is_none());
    }

    #[test]
    fn average_path_length_values() {
        assert_eq!(average_path_length(1), 0.0);
        assert_eq!(average_path_length(2), 1.0);
        // c(256) = 2 (ln 255 + γ) − 2 · 255/256 (Liu et al. 2008, eq. 1).
        assert!((average_path_length(256) - 10.244_770_920_119_917).abs() < 1e-9);
    }
}
