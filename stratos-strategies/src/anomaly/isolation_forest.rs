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

/// Trees walked in lockstep (their node loads overlap).
const LANES: usize = 8;

/// The fewest trees walked at a time once the first [`LANES`] are.
const MIN_WALK: usize = 2;

/// Trees to walk next when the bound still misses by `deficit` and the trees walked so far
/// average `mean`: each further tree raises the bound by its length less 1, so about
/// `deficit / (mean − 1)` trees if the rest are like them, kept within
/// [`MIN_WALK`]`..=`[`LANES`].
#[inline]
fn next_walk(deficit: f64, mean: f64) -> usize {
    let need = deficit / (mean - 1.0);
    if need.is_finite() && need > 0.0 && need < LANES as f64 {
        (need.ceil() as usize).clamp(MIN_WALK, LANES)
    } else {
        LANES
    }
}

/// Path lengths summed as [`IsolationForest::score`] sums them, whatever the trees walked at a
/// time: tree by tree into the current group of [`LANES`] trees (from 0), each group then
/// into the total, in tree order. (A floating-point sum depends on its order; this one is
/// fixed so that every way of walking the forest gives the same bits.)
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    /// The whole groups so far.
    total: f64,
    /// The current group so far.
    group: f64,
}

impl Sums {
    /// Adds the next tree's length; `closes` when it is the last of its group (or the forest).
    #[inline]
    fn add(&mut self, length: f64, closes: bool) {
        self.group += length;
        if closes {
            self.total += self.group;
            self.group = 0.0;
        }
    }
}

/// Marks a child reference as a leaf; the low bits then hold the leaf's sample size.
const LEAF: u32 = 1 << 31;

/// A split node, 32 bytes; leaves are not stored (a child reference with the [`LEAF`] bit holds
/// the leaf's sample size, whose c(size) comes from a table). A split sends `x < value` to
/// `left`, else to `right`, and keeps the split feature's range in the node's sample as `lo..=hi`
/// in `f32`, rounded outwards (it only decides whether a point lies beyond the range and how far;
/// the split value itself stays `f64`, so training rows are routed exactly).
///
/// Aligned to 32 bytes so that no node straddles two cache lines (one miss per node visited).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(align(32))]
struct Node {
    value: f64,
    lo: f32,
    hi: f32,
    feature: u32,
    left: u32,
    right: u32,
}

/// Filler for unused node slots (never reached: no reference points at them).
const PAD: Node = Node {
    value: 0.0,
    lo: 0.0,
    hi: 0.0,
    feature: 0,
    left: LEAF,
    right: LEAF,
};

/// `v` rounded down to an `f32` (towards −∞).
fn f32_down(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v { f.next_down() } else { f }
}

/// `v` rounded up to an `f32` (towards +∞).
fn f32_up(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v { f.next_up() } else { f }
}

/// The smallest and largest of `col[r]` over the rows `r` of `sample` (∞, −∞ when empty), with
/// four independent accumulators so the comparisons pipeline.
fn range_of(col: &[f64], sample: &[u32]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let mut chunks = sample.chunks_exact(4);
    for chunk in &mut chunks {
        for (k, &r) in chunk.iter().enumerate() {
            let v = col.get(r as usize).copied().unwrap_or(f64::NAN);
            lo[k] = if v < lo[k] { v } else { lo[k] };
            hi[k] = if v > hi[k] { v } else { hi[k] };
        }
    }
    for &r in chunks.remainder() {
        let v = col.get(r as usize).copied().unwrap_or(f64::NAN);
        lo[0] = if v < lo[0] { v } else { lo[0] };
        hi[0] = if v > hi[0] { v } else { hi[0] };
    }
    let lo = lo
        .into_iter()
        .fold(f64::INFINITY, |a, b| if b < a { b } else { a });
    let hi = hi
        .into_iter()
        .fold(f64::NEG_INFINITY, |a, b| if b > a { b } else { a });
    (lo, hi)
}

/// A fitted isolation forest over `dims`-dimensional rows.
///
/// Trees are stored flat (split nodes only, in one array) and grown to the height limit
/// ⌈log₂ ψ⌉ on subsamples of ψ rows drawn without replacement (the whole reference set, in any
/// order, when ψ equals its size). The anomaly score of a row is `s = 2^(−E[h(x)] / c(ψ))`, in
/// (0, 1]: near 1 for rows isolated quickly, about 0.5 or less for ordinary ones.
///
/// One change to Liu et al.'s path length, for points outside the training range: in the
/// original, a split value is drawn within the node sample's range `[lo, hi]`, so a point beyond
/// `hi` always follows the extreme sample rows and scores like them, however far out it lies.
/// Here each split node keeps `[lo, hi]`, and a point `x` beyond it is scored as if the split had
/// been drawn over the range extended to include `x`: with probability
/// `p = (x − hi) / (x − lo)` (or `(lo − x) / (hi − x)`) that split isolates `x` at this depth,
/// otherwise it follows the tree. The expected path length is accumulated exactly in one pass.
/// Inside the range nothing changes.
///
/// Trees can be replaced one at a time ([`IsolationForest::refit_tree`]), which is how
/// [`IsolationForestState`] keeps its forest current on a rolling basis.
#[derive(Debug, Clone, PartialEq)]
pub struct IsolationForest {
    dims: usize,
    /// The split nodes of every tree in one array: tree `t` holds `lens[t]` nodes from
    /// `t · stride` (its root is its first node, or a leaf in `roots`), so that a forest is one
    /// contiguous block.
    nodes: Vec<Node>,
    /// Node slots per tree: at least ψ − 1, the most split nodes a tree on ψ rows can have.
    stride: usize,
    /// Per tree, its number of split nodes.
    lens: Vec<u32>,
    /// Per tree, the root reference (a node index or a [`LEAF`] reference).
    roots: Vec<u32>,
    /// c(n) for n = 0..=ψ.
    c_table: Vec<f64>,
    psi: usize,
    norm: f64,
}

/// Fitting scratch (sample row indices, the rows column by column, the build stack), shared by
/// all the forests of a thread: a fit needs it only while it runs, so the thousands of forests
/// of a multi-stream run do not each keep a copy of their window.
#[derive(Debug, Default)]
struct Scratch {
    idx: Vec<u32>,
    cols: Vec<f64>,
    stack: Vec<(u32, usize, usize, usize, bool)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

impl IsolationForest {
    /// An empty forest over `dims` fields with room for `trees` trees.
    fn empty(dims: usize, trees: usize) -> Self {
        IsolationForest {
            dims,
            nodes: Vec::new(),
            stride: 0,
            lens: Vec::with_capacity(trees),
            roots: Vec::with_capacity(trees),
            c_table: Vec::new(),
            psi: 0,
            norm: 0.0,
        }
    }

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
        let mut forest = IsolationForest::empty(dims, trees);
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
        self.roots.clear();
        self.lens.clear();
        self.dims = dims;
        // Every tree is replaced: room for all of them at once (growing tree by tree would
        // leave up to half the node array unused).
        let n = rows.len().checked_div(dims).unwrap_or(0);
        if n >= 2 {
            let stride = self.stride.max(sample_size.clamp(2, n) - 1);
            let slots = trees.saturating_mul(stride);
            if slots > self.nodes.capacity() {
                self.nodes.clear();
                // If that much cannot be had at once, the array grows tree by tree instead.
                let _ = self.nodes.try_reserve_exact(slots);
            }
        }
        for t in 0..trees {
            if !self.refit_tree(t, rows, sample_size, rng) {
                self.roots.clear();
                self.norm = 0.0;
                return false;
            }
        }
        true
    }

    /// Replaces tree `t` (`t` ≤ the number of trees; equal appends one) by a tree fitted on a
    /// subsample of `sample_size` rows of `rows` (row-major, this forest's `dims` values per
    /// row, all finite). Returns false (changing nothing) when there are fewer than 2 rows,
    /// `dims` is 0 or `t` is out of range.
    pub fn refit_tree(
        &mut self,
        t: usize,
        rows: &[f64],
        sample_size: usize,
        rng: &mut SplitMix64,
    ) -> bool {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.refit_tree_with(t, rows, sample_size, rng, &mut scratch),
            // Only reachable re-entrantly; a private scratch does the same work.
            Err(_) => self.refit_tree_with(t, rows, sample_size, rng, &mut Scratch::default()),
        })
    }

    /// Re-lays the node array out with `stride` slots per tree (keeping every tree).
    fn set_stride(&mut self, stride: usize) {
        if stride == self.stride {
            return;
        }
        if self.lens.is_empty() {
            // No tree to keep (and the array's room, reserved for the forest, stays).
            self.nodes.clear();
            self.stride = stride;
            return;
        }
        let mut nodes = Vec::new();
        nodes.reserve_exact(stride * self.lens.len());
        for (t, &len) in self.lens.iter().enumerate() {
            let start = t * self.stride;
            let len = (len as usize).min(stride);
            nodes.extend_from_slice(&self.nodes[start..start + len]);
            nodes.resize((t + 1) * stride, PAD);
        }
        self.nodes = nodes;
        self.stride = stride;
    }

    /// [`IsolationForest::refit_tree`] with the given scratch.
    fn refit_tree_with(
        &mut self,
        t: usize,
        rows: &[f64],
        sample_size: usize,
        rng: &mut SplitMix64,
        scratch: &mut Scratch,
    ) -> bool {
        let dims = self.dims;
        let n = rows.len().checked_div(dims).unwrap_or(0);
        if dims == 0 || n < 2 || t > self.roots.len() || n > (LEAF - 1) as usize {
            return false;
        }
        let psi = sample_size.clamp(2, n);
        if psi != self.psi {
            self.psi = psi;
            self.c_table.clear();
            self.c_table.extend((0..=psi).map(average_path_length));
            self.norm = average_path_length(psi);
        }
        // A tree has at most psi − 1 split nodes: its slots, so the memory stays flat.
        if psi - 1 > self.stride {
            self.set_stride(psi - 1);
        }
        let height_limit = (psi as f64).log2().ceil() as usize;
        let Scratch { idx, cols, stack } = scratch;
        // Two index buffers: a node at even depth finds its sample in the first, at odd depth
        // in the second, and partitions it out of place into the other one (children's ranges
        // are disjoint, so this never overwrites a sample still needed).
        idx.clear();
        idx.extend(0..n as u32);
        if psi < n {
            // Partial Fisher–Yates: the first psi entries become the sample. (With psi = n the
            // sample is every row and its order does not matter.)
            for i in 0..psi {
                let j = i + rng.below(n - i);
                idx.swap(i, j);
            }
        }
        // The sampled rows column by column, in sample order, so a feature's values are one
        // contiguous slice; the sample then becomes the indices 0..psi (the same values in the
        // same order: the same tree as indexing the whole window, for a fraction of the copy).
        cols.clear();
        cols.resize(dims * psi, 0.0);
        for (i, &r) in idx[..psi].iter().enumerate() {
            let row = &rows[r as usize * dims..(r as usize + 1) * dims];
            for (d, &v) in row.iter().enumerate() {
                cols[d * psi + i] = v;
            }
        }
        let n = psi;
        idx.clear();
        idx.extend(0..n as u32);
        idx.resize(2 * n, 0);
        if t == self.roots.len() {
            self.nodes.resize((t + 1) * self.stride, PAD);
            self.lens.push(0);
        }
        let nodes = &mut self.nodes[t * self.stride..(t + 1) * self.stride];
        let mut len = 0usize;
        let (even, odd) = idx.split_at_mut(n);
        let cols = &*cols;
        stack.clear();
        stack.reserve_exact(2 * height_limit + 2);
        // (parent node, sample range, depth, is the right child); the root has no parent.
        let mut root = LEAF;
        stack.push((u32::MAX, 0, psi, 0, false));
        while let Some((parent, start, end, depth, right)) = stack.pop() {
            let size = end - start;
            let mut reference = LEAF | size as u32;
            if depth < height_limit && size > 1 && len < nodes.len() {
                let (sample, out) = if depth % 2 == 0 {
                    (&even[start..end], &mut odd[start..end])
                } else {
                    (&odd[start..end], &mut even[start..end])
                };
                // A uniformly chosen feature; if it is constant here, the next ones in turn
                // (so a feature that still varies is always found if there is one).
                let first = rng.below(dims);
                let mut chosen = None;
                for k in 0..dims {
                    let d = if first + k >= dims {
                        first + k - dims
                    } else {
                        first + k
                    };
                    let col = &cols[d * n..(d + 1) * n];
                    let (lo, hi) = range_of(col, sample);
                    if hi > lo {
                        chosen = Some((d, lo, hi));
                        break;
                    }
                }
                if let Some((feature, lo, hi)) = chosen {
                    let value = lo + rng.next_f64() * (hi - lo);
                    // Keep both sides non-empty: a draw equal to the minimum moves up.
                    let value = if value <= lo { hi } else { value };
                    // Branch-free out-of-place partition: rows below the split fill `out` from
                    // the front, the others from the back.
                    let col = &cols[feature * n..(feature + 1) * n];
                    let (mut front, mut back) = (0, size);
                    // Each row is written to both free ends and claims one of them; an
                    // unclaimed write is always overwritten later (front < back until done).
                    for &r in sample {
                        let below = col.get(r as usize).copied().unwrap_or(value) < value;
                        if let Some(slot) = out.get_mut(front) {
                            *slot = r;
                        }
                        if let Some(slot) = out.get_mut(back.wrapping_sub(1)) {
                            *slot = r;
                        }
                        front += usize::from(below);
                        back -= usize::from(!below);
                    }
                    let mid = front;
                    let at = len as u32;
                    nodes[len] = Node {
                        value,
                        lo: f32_down(lo),
                        hi: f32_up(hi),
                        feature: feature as u32,
                        left: LEAF,
                        right: LEAF,
                    };
                    len += 1;
                    reference = at;
                    stack.push((at, start, start + mid, depth + 1, false));
                    stack.push((at, start + mid, end, depth + 1, true));
                }
            }
            match nodes.get_mut(parent as usize) {
                Some(p) if right => p.right = reference,
                Some(p) => p.left = reference,
                None => root = reference,
            }
        }
        self.lens[t] = len as u32;
        if t == self.roots.len() {
            self.roots.push(root);
        } else {
            self.roots[t] = root;
        }
        true
    }

    /// Number of trees.
    pub fn trees(&self) -> usize {
        self.roots.len()
    }

    /// The expected path lengths of `x` in the trees `first..first + count` (those that
    /// exist; `count` ≤ `N`), in lanes `0..count` (the other lanes stay idle and hold 0),
    /// walked in lockstep so that their node loads overlap. Branch-free per node: the child is
    /// selected, and the out-of-range isolation probability is `p = gap / (gap + (hi − lo))`,
    /// with `gap` the distance from `x` to `[lo, hi]` (0 inside). `SINGLE` when the forest
    /// has one field: every node splits it, so its value is held rather than looked up.
    #[inline]
    fn walk<const N: usize, const SINGLE: bool>(
        &self,
        first: usize,
        count: usize,
        x: &[f64],
        sums: &mut Sums,
    ) {
        let x0 = x.first().copied().unwrap_or(0.0);
        let mut base = [0usize; N];
        let mut reference = [LEAF; N];
        let count = count.min(N);
        for l in 0..count {
            if let Some(&root) = self.roots.get(first + l) {
                base[l] = (first + l) * self.stride;
                reference[l] = root;
            }
        }
        let mut depth = [0.0f64; N];
        // Probability that x is not yet isolated, and the expected length so far.
        let mut alive = [1.0f64; N];
        let mut expected = [0.0f64; N];
        loop {
            let mut active = false;
            for l in 0..N {
                if reference[l] & LEAF != 0 {
                    continue;
                }
                let Some(node) = self.nodes.get(base[l] + reference[l] as usize) else {
                    reference[l] = LEAF;
                    continue;
                };
                active = true;
                let v = if SINGLE {
                    x0
                } else {
                    x.get(node.feature as usize).copied().unwrap_or(0.0)
                };
                let (lo, hi) = (f64::from(node.lo), f64::from(node.hi));
                let above = v - hi;
                let below = lo - v;
                let gap = if above > 0.0 {
                    above
                } else if below > 0.0 {
                    below
                } else {
                    0.0
                };
                let p = gap / (gap + (hi - lo));
                let p = if p.is_finite() { p } else { 0.0 };
                depth[l] += 1.0;
                expected[l] += alive[l] * p * depth[l];
                alive[l] *= 1.0 - p;
                reference[l] = if v < node.value {
                    node.left
                } else {
                    node.right
                };
            }
            if !active {
                break;
            }
        }
        let n = self.roots.len();
        for l in 0..count {
            let size = (reference[l] & !LEAF) as usize;
            let length = expected[l]
                + alive[l] * (depth[l] + self.c_table.get(size).copied().unwrap_or(0.0));
            let tree = first + l;
            if tree < n {
                sums.add(length, tree + 1 == n || (tree + 1).is_multiple_of(LANES));
            }
        }
    }

    /// Mean (expected) path length of `x` (`dims` values) over the trees. The trees' lengths
    /// are summed group by group of 8 trees (each group from 0, in tree order), then
    /// the groups in order: [`IsolationForest::score_above`] sums in the same order.
    pub fn mean_path_length(&self, x: &[f64]) -> f64 {
        let n = self.roots.len();
        let mut sums = Sums::default();
        for first in (0..n).step_by(LANES) {
            self.walk::<LANES, false>(first, LANES, x, &mut sums);
        }
        let total = sums.total;
        total / n.max(1) as f64
    }

    /// The score of `x` when it exceeds `threshold`, else `None`, walking only as many trees
    /// as needed: every tree's expected path length is at least 1, so once the summed lengths
    /// of the trees walked so far plus 1 per tree left reach `trees · c(ψ) · (−log₂ threshold)`
    /// the score cannot exceed it (an inlier, about `c(ψ)` per tree, can stop after about
    /// `(−log₂ threshold − 1/c(ψ)) / (1 − 1/c(ψ))` of the forest, 30 % at 0.75 and ψ = 32).
    /// When `Some`, the score equals [`IsolationForest::score`], to the bit: the lengths are
    /// summed in the same order, whatever the trees walked at a time.
    ///
    /// Trees are walked in lockstep, 8 at first; after that, as many as the row's mean length
    /// so far says it needs before the bound can be checked again (at most 8, at least 2), so
    /// that a row stops close to the first tree where the bound allows it.
    pub fn score_above(&self, x: &[f64], threshold: f64) -> Option<f64> {
        if x.len() != self.dims || self.norm <= 0.0 || self.roots.is_empty() {
            return (0.0 > threshold).then_some(0.0);
        }
        let n = self.roots.len();
        let trees = n as f64;
        let limit = trees * self.norm * -threshold.log2();
        let mut sums = Sums::default();
        let mut walked = 0;
        let mut count = LANES;
        while walked < n {
            let count_now = count.min(n - walked);
            // Half the lanes when they do: no idle lane is stepped through.
            match (count_now <= LANES / 2, self.dims == 1) {
                (true, true) => self.walk::<{ LANES / 2 }, true>(walked, count_now, x, &mut sums),
                (true, false) => self.walk::<{ LANES / 2 }, false>(walked, count_now, x, &mut sums),
                (false, true) => self.walk::<LANES, true>(walked, count_now, x, &mut sums),
                (false, false) => self.walk::<LANES, false>(walked, count_now, x, &mut sums),
            }
            walked += count_now;
            // Every tree adds at least 1 (ψ ≥ 2: a split root is depth 1, a leaf root
            // c(ψ) ≥ 1), so the trees not walked yet add at least their number (kept a hair
            // below, so rounding never decides).
            let sum = sums.total + sums.group;
            let rest = (n - walked) as f64;
            let deficit = limit - (sum + rest * (1.0 - 1e-9));
            if deficit <= 0.0 {
                return None;
            }
            count = next_walk(deficit, sum / walked as f64);
        }
        let score = (-(sums.total / trees) / self.norm).exp2();
        (score > threshold).then_some(score)
    }

    /// The anomaly score `2^(−E[h(x)] / c(ψ))` of `x`, in (0, 1].
    pub fn score(&self, x: &[f64]) -> f64 {
        if x.len() != self.dims || self.norm <= 0.0 || self.roots.is_empty() {
            return 0.0;
        }
        (-self.mean_path_length(x) / self.norm).exp2()
    }

    /// Heap bytes held, by capacity.
    fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.lens.capacity() * 4
            + self.roots.capacity() * 4
            + self.c_table.capacity() * 8
    }
}

/// Online isolation-forest scoring with a sliding reference window: the last `window` complete
/// rows are kept. Once the window is full a forest is fitted on it; after that its trees are
/// rebuilt on a rolling basis, one at a time in turn, at a rate of `trees / refit_every` trees
/// per added row — every tree is rebuilt on the then-current window once every `refit_every`
/// rows, as with a whole-forest refit every `refit_every` rows, but the work is spread evenly over
/// the rows (no refit spikes) and the forest is always a mix of trees fitted on the last
/// `refit_every` windows. Each row is scored against the forest fitted on rows before it, then
/// added. Rows with a non-finite value get no score and are not added. The RNG is part of the
/// state, so a replay gives the same forests and scores.
///
/// Memory: the window (`window × dims` values, allocated as rows arrive) plus the forest
/// (`trees × (ψ − 1)` split-node slots in one block). The fitting scratch (a column copy of the window and `2 × window`
/// indices) is shared by all the forests of a thread.
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
    /// Accumulates `trees` per added row; each `refit_every` of it rebuilds one tree.
    credit: usize,
    /// The tree rebuilt next.
    next_tree: usize,
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
            buf: Vec::new(),
            head: 0,
            len: 0,
            credit: 0,
            next_tree: 0,
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

    /// [`IsolationForestState::score`] when it exceeds `threshold`, else `None`, walking only
    /// as many trees as needed ([`IsolationForest::score_above`]).
    #[inline]
    pub fn score_above(&self, x: &[f64], threshold: f64) -> Option<f64> {
        if x.len() != self.dims || x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        self.forest.as_ref()?.score_above(x, threshold)
    }

    /// Adds the row `x` to the reference window, rebuilding trees when due.
    pub fn add(&mut self, x: &[f64]) {
        if x.len() != self.dims || x.iter().any(|v| !v.is_finite()) {
            return;
        }
        if self.len < self.window {
            if self.buf.len() + x.len() > self.buf.capacity() {
                // The window grows with the data (doubling), never beyond `window` rows.
                let full = self.window * self.dims;
                let extra = self
                    .buf
                    .len()
                    .max(8 * self.dims)
                    .min(full.saturating_sub(self.buf.len()))
                    .max(x.len());
                self.buf.reserve_exact(extra);
            }
            self.buf.extend_from_slice(x);
            self.len += 1;
        } else {
            let at = self.head * self.dims;
            self.buf[at..at + self.dims].copy_from_slice(x);
            self.head = (self.head + 1) % self.window;
        }
        if self.len < self.window {
            return;
        }
        // The window (in ring order: a deterministic function of the rows seen) is the sample.
        match &mut self.forest {
            None => {
                self.forest = IsolationForest::fit(
                    &self.buf,
                    self.dims,
                    self.trees,
                    self.sample_size,
                    &mut self.rng,
                );
                self.credit = 0;
                self.next_tree = 0;
            }
            Some(forest) => {
                self.credit += self.trees;
                while self.credit >= self.refit_every {
                    self.credit -= self.refit_every;
                    forest.refit_tree(self.next_tree, &self.buf, self.sample_size, &mut self.rng);
                    self.next_tree = (self.next_tree + 1) % self.trees;
                }
            }
        }
    }

    /// Heap bytes held: the reference window and the forest, by capacity: about
    /// `window · dims · 8` (window) `+ trees · (ψ − 1) · 32` (split nodes) `+ (ψ + 1) · 8`
    /// (c table) `+ 8 · trees` bytes. (The fitting scratch is per thread, not per state.)
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity() * std::mem::size_of::<f64>()
            + self.forest.as_ref().map_or(0, IsolationForest::heap_bytes)
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
mod tests;
