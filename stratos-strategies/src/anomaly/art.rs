//! Adaptive-resonance (fuzzy ART) anomaly detector, in the spirit of ARTime (Mark Hampton's
//! NAB detector): windowed features of a downsampled series are clustered online by fuzzy ART
//! with a vigilance test, and a window is anomalous when it resonates with no learnt category
//! and is much farther from its nearest one than the recent windows were from theirs.
//!
//! Per stream, row by row (every step is causal):
//!
//! 1. **Downsampling.** Every `step` rows become one value: the block's maximum, or its minimum
//!    when that lies farther from a running mean of the block means (so spikes survive), or
//!    the block mean when the extreme is within 10 % of it.
//! 2. **Normalising and quantising.** The value is scaled into [0, 1] by the smallest and
//!    largest finite values seen so far (a value beyond them widens the range first), rounded
//!    to one of [`LEVELS`] levels and, when within [`CHOMP`] of the running median level
//!    (a histogram over the levels), snapped to it, which removes small noise.
//! 3. **Features.** The last [`WINDOW`] quantised values, and the Haar wavelet transform of
//!    the same window min–max normalised (its shape, whatever its level): 16 values in [0, 1],
//!    complement coded to 32.
//! 4. **Fuzzy ART** (Carpenter, Grossberg & Rosen 1991). Category `j` has weights `w_j`; the
//!    match of input `I` is `M_j = |I ∧ w_j| / |I|` (∧ the element-wise minimum, |·| the sum),
//!    its choice value `T_j = |I ∧ w_j| / (0.001 + |w_j|)`. Among the categories with
//!    `M_j ≥ ρ` (the vigilance) the one with the largest `T_j` learns fast (`w_j ← I ∧ w_j`);
//!    when none passes, a new category `w = I` is made (at most [`MAX_CATEGORIES`]: beyond, the
//!    least recently used one is replaced).
//! 5. **Score.** With `d = 1 − max_j M_j` the distance to the nearest category and `D` the
//!    largest such distance over the previous [`TREND`] windows (at least [`D_FLOOR`]), a
//!    window that makes a new category scores `1 − D / d` when `d > D`, else 0. After an
//!    anomaly the next [`MASK`] windows are masked unless they are markedly farther still
//!    (ARTime's masking); anomalous windows do not raise `D`. Rows between window ends score 0.
//!
//! The first [`TREND`] windows (`TREND · step` rows, the probation) learn only. Memory per
//! stream is fixed: at most [`MAX_CATEGORIES`] categories of 32 `f32` weights, a [`TREND`]-long
//! ring of distances and a [`LEVELS`]-bin histogram.

/// Feature window, in downsampled values (a power of two, for the Haar transform).
pub const WINDOW: usize = 8;
/// Windows in the probation and in the trend over which the typical distance is taken.
pub const TREND: usize = 13 * WINDOW;
/// Quantisation levels of the normalised value (so `LEVELS + 1` distinct values).
pub const LEVELS: usize = 80;
/// A value within this of the running median (in normalised units) is snapped to it.
pub const CHOMP: f64 = 0.075;
/// Most categories kept per stream.
pub const MAX_CATEGORIES: usize = 48;
/// Smallest typical distance `D` used by the score.
pub const D_FLOOR: f64 = 0.01;
/// ART choice parameter.
const CHOICE_ALPHA: f32 = 0.001;
/// Windows masked after an anomaly (chosen by leave-one-category-out on NAB among 12, 30 and
/// 60; ARTime masks 12).
pub const MASK: u32 = 30;
/// Feature count before complement coding.
const FEATURES: usize = 2 * WINDOW;
/// Complement-coded input length.
const DIM: usize = 2 * FEATURES;

/// The orthonormal Haar wavelet transform of `x` (length a power of two), in place: the
/// overall average first, then details from coarse to fine (the order of a full `dwt`).
fn haar(x: &mut [f64; WINDOW]) {
    let mut tmp = [0.0; WINDOW];
    let mut n = WINDOW;
    let s = std::f64::consts::FRAC_1_SQRT_2;
    while n > 1 {
        let half = n / 2;
        for i in 0..half {
            tmp[i] = (x[2 * i] + x[2 * i + 1]) * s;
            tmp[half + i] = (x[2 * i] - x[2 * i + 1]) * s;
        }
        x[..n].copy_from_slice(&tmp[..n]);
        n = half;
    }
}

/// `x` scaled to [0, 1] by its own minimum and maximum (all zeros when constant).
fn min_max(x: &mut [f64]) {
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = hi - lo;
    for v in x.iter_mut() {
        *v = if span > 0.0 && span.is_finite() {
            ((*v - lo) / span).clamp(0.0, 1.0)
        } else {
            0.0
        };
    }
}

/// The online ART detector of one stream.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::ArtDetector;
/// let mut art = ArtDetector::new(1, 0.95);
/// let mut best = (0, 0.0);
/// for i in 0..400 {
///     let x = if i == 300 { 40.0 } else { (i % 10) as f64 };
///     if let Some(s) = art.push(x) {
///         if s > best.1 { best = (i, s); }
///     }
/// }
/// // Found within a few rows (the spike's window and the next ones are all novel).
/// assert!((300..=305).contains(&best.0), "{best:?}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ArtDetector {
    step: usize,
    vigilance: f32,
    // Downsampling block.
    in_block: usize,
    block_sum: f64,
    block_min: f64,
    block_max: f64,
    block_avg: f64,
    // Range of the finite values seen.
    lo: f64,
    hi: f64,
    // Histogram of quantised levels, for the running median.
    hist: [u32; LEVELS + 1],
    // Last WINDOW quantised values, oldest first.
    window: [f64; WINDOW],
    /// Downsampled values seen.
    steps: u64,
    /// Category weights, `DIM` per category.
    weights: Vec<f32>,
    /// Per category, the window index it last resonated at.
    last_used: Vec<u64>,
    /// Distances to the nearest category over the last `TREND` windows (ring).
    trend: [f32; TREND],
    /// The largest value in `trend`.
    trend_max: f32,
    /// Windows since the last anomaly, and its distance.
    since_anomaly: u32,
    anomaly_d: f64,
}

impl ArtDetector {
    /// A detector downsampling by `step` rows (≥ 1) with learning vigilance `vigilance` in
    /// (0, 1).
    pub fn new(step: usize, vigilance: f64) -> Self {
        ArtDetector {
            step: step.max(1),
            vigilance: vigilance.clamp(0.0, 1.0) as f32,
            in_block: 0,
            block_sum: 0.0,
            block_min: f64::INFINITY,
            block_max: f64::NEG_INFINITY,
            block_avg: 0.0,
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
            hist: [0; LEVELS + 1],
            window: [0.0; WINDOW],
            steps: 0,
            weights: Vec::new(),
            last_used: Vec::new(),
            trend: [0.0; TREND],
            trend_max: 0.0,
            since_anomaly: u32::MAX,
            anomaly_d: 0.0,
        }
    }

    /// Rows before the first score: the probation, `TREND · step` rows.
    pub fn warmup(&self) -> usize {
        TREND * self.step
    }

    /// Number of categories learnt.
    pub fn categories(&self) -> usize {
        self.last_used.len()
    }

    /// Scores and learns `x`: `None` during the probation and for non-finite values (which
    /// are skipped), else the row's score in [0, 1] (0 on rows that do not end a block).
    pub fn push(&mut self, x: f64) -> Option<f64> {
        if !x.is_finite() {
            return None;
        }
        self.lo = self.lo.min(x);
        self.hi = self.hi.max(x);
        self.block_sum += x * 0.5; // halved: the sum of two huge values stays finite
        self.block_min = self.block_min.min(x);
        self.block_max = self.block_max.max(x);
        self.in_block += 1;
        if self.in_block < self.step {
            return (self.steps >= TREND as u64).then_some(0.0);
        }
        let mean = self.block_sum / self.in_block as f64 * 2.0;
        let mean = if mean.is_finite() {
            mean
        } else {
            self.block_sum / self.in_block as f64
        };
        let (bmin, bmax) = (self.block_min, self.block_max);
        self.in_block = 0;
        self.block_sum = 0.0;
        self.block_min = f64::INFINITY;
        self.block_max = f64::NEG_INFINITY;
        if self.steps == 0 {
            self.block_avg = mean;
        }
        self.block_avg = self.block_avg * 0.5 + mean * 0.5;
        let avg = self.block_avg;
        let mut ds = if (bmax - avg).abs() < (bmin - avg).abs() {
            bmin
        } else {
            bmax
        };
        if (ds - mean).abs() < 0.1 * mean.abs() {
            ds = mean;
        }
        let score = self.window_step(ds);
        (self.steps > TREND as u64).then_some(score)
    }

    /// The normalised level of a downsampled value `v`, in `0..=LEVELS`.
    fn level(&self, v: f64) -> usize {
        // Halved so that the span of huge values stays finite.
        let span = self.hi * 0.5 - self.lo * 0.5;
        let u = if span > 0.0 {
            (v * 0.5 - self.lo * 0.5) / span
        } else {
            0.0
        };
        let u = if u.is_finite() {
            u.clamp(0.0, 1.0)
        } else {
            0.0
        };
        (u * LEVELS as f64).round() as usize
    }

    /// The running median level (the lower median of the histogram).
    fn median_level(&self) -> usize {
        let total: u64 = self.hist.iter().map(|&c| u64::from(c)).sum();
        let half = total.div_ceil(2);
        let mut seen = 0u64;
        for (l, &c) in self.hist.iter().enumerate() {
            seen += u64::from(c);
            if seen >= half && seen > 0 {
                return l;
            }
        }
        0
    }

    /// One downsampled value through quantising, features and ART; returns its score.
    fn window_step(&mut self, ds: f64) -> f64 {
        let level = self.level(ds).min(LEVELS);
        if self.hist[level] == u32::MAX {
            // Halve the counts (the median is unchanged) instead of overflowing.
            self.hist.iter_mut().for_each(|c| *c /= 2);
        }
        self.hist[level] += 1;
        let med = self.median_level() as f64 / LEVELS as f64;
        let mut v = level as f64 / LEVELS as f64;
        if (v - med).abs() < CHOMP {
            v = med;
        }
        self.window.copy_within(1.., 0);
        self.window[WINDOW - 1] = v;
        self.steps += 1;
        if self.steps < WINDOW as u64 {
            return 0.0;
        }
        let mut shape = self.window;
        min_max(&mut shape);
        haar(&mut shape);
        min_max(&mut shape);
        let mut input = [0.0f32; DIM];
        for (k, &f) in shape.iter().chain(self.window.iter()).enumerate() {
            input[k] = f as f32;
            input[FEATURES + k] = 1.0 - f as f32;
        }
        let d = self.resonate(&input);
        let t = (self.steps % TREND as u64) as usize;
        let typical = f64::from(self.trend_max).max(D_FLOOR);
        let probation = self.steps <= TREND as u64;
        let mut score = 0.0;
        let new_category = d > 1.0 - f64::from(self.vigilance);
        if !probation && new_category && d > typical {
            let masked = self.since_anomaly < MASK;
            // While masked, only a window markedly farther than the anomaly's counts.
            if !masked || 1.0 - d < (1.0 - self.anomaly_d) * 0.9 {
                score = (1.0 - typical / d).clamp(0.0, 1.0);
                self.since_anomaly = 0;
                self.anomaly_d = d;
            }
        }
        self.since_anomaly = self.since_anomaly.saturating_add(1);
        // Anomalous windows do not raise the typical distance.
        let old = self.trend[t];
        let new = if score > 0.0 {
            typical as f32
        } else {
            d as f32
        };
        self.trend[t] = new;
        if new >= self.trend_max {
            self.trend_max = new;
        } else if old >= self.trend_max {
            // The largest value left the ring: rescan it (rare).
            self.trend_max = self.trend.iter().copied().fold(0.0f32, f32::max);
        }
        score
    }

    /// Fuzzy ART on one complement-coded input: learns it and returns the distance
    /// `1 − max_j M_j` to the nearest category before learning (1 when there is none).
    fn resonate(&mut self, input: &[f32; DIM]) -> f64 {
        let norm_i = FEATURES as f32; // |I| of a complement-coded input
        let mut best_match = 0.0f32;
        let mut chosen: Option<(usize, f32)> = None;
        for (j, w) in self.weights.chunks_exact(DIM).enumerate() {
            // Eight independent partial sums, so the loop vectorises.
            let mut inter = [0.0f32; 8];
            let mut norm_w = [0.0f32; 8];
            for (a8, b8) in input.chunks_exact(8).zip(w.chunks_exact(8)) {
                for k in 0..8 {
                    inter[k] += a8[k].min(b8[k]);
                    norm_w[k] += b8[k];
                }
            }
            let inter: f32 = inter.iter().sum();
            let norm_w: f32 = norm_w.iter().sum();
            let m = inter / norm_i;
            best_match = best_match.max(m);
            if m >= self.vigilance {
                let t = inter / (CHOICE_ALPHA + norm_w);
                if chosen.is_none_or(|(_, best)| t > best) {
                    chosen = Some((j, t));
                }
            }
        }
        match chosen {
            Some((j, _)) => {
                let w = &mut self.weights[j * DIM..(j + 1) * DIM];
                for (b, a) in w.iter_mut().zip(input) {
                    *b = b.min(*a);
                }
                self.last_used[j] = self.steps;
            }
            None if self.last_used.len() < MAX_CATEGORIES => {
                if self.last_used.is_empty() {
                    // All the room ever needed, at once: the memory stays flat.
                    self.weights.reserve_exact(MAX_CATEGORIES * DIM);
                    self.last_used.reserve_exact(MAX_CATEGORIES);
                }
                self.weights.extend_from_slice(input);
                self.last_used.push(self.steps);
            }
            None => {
                let j = self
                    .last_used
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, t)| **t)
                    .map_or(0, |(j, _)| j);
                self.weights[j * DIM..(j + 1) * DIM].copy_from_slice(input);
                self.last_used[j] = self.steps;
            }
        }
        f64::from(1.0 - best_match).clamp(0.0, 1.0)
    }

    /// Heap bytes held, by capacity (at most `MAX_CATEGORIES · (32 · 4 + 8)`).
    pub fn heap_bytes(&self) -> usize {
        self.weights.capacity() * 4 + self.last_used.capacity() * 8
    }

    /// Forgets everything learnt.
    pub fn reset(&mut self) {
        *self = ArtDetector::new(self.step, f64::from(self.vigilance));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haar_of_a_step_and_a_constant() {
        let mut x = [1.0; WINDOW];
        haar(&mut x);
        // The average coefficient of a constant 1 over 8 values is 8 / √8 = √8; no detail.
        assert!((x[0] - 8f64.sqrt()).abs() < 1e-12);
        assert!(x[1..].iter().all(|v| v.abs() < 1e-12));
        let mut y = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        haar(&mut y);
        // Average 4/√8; the coarsest detail (first half − second half) is −4/√8; finer ones 0.
        assert!((y[0] - 4.0 / 8f64.sqrt()).abs() < 1e-12);
        assert!((y[1] + 4.0 / 8f64.sqrt()).abs() < 1e-12);
        assert!(y[2..].iter().all(|v| v.abs() < 1e-12));
    }

    #[test]
    fn fuzzy_art_learns_and_makes_categories() {
        let mut art = ArtDetector::new(1, 0.9);
        let mut a = [0.0f32; DIM];
        for k in 0..FEATURES {
            a[k] = 0.5;
            a[FEATURES + k] = 0.5;
        }
        // No category: distance 1, one category made.
        assert_eq!(art.resonate(&a), 1.0);
        assert_eq!(art.categories(), 1);
        // The same input matches exactly.
        assert_eq!(art.resonate(&a), 0.0);
        assert_eq!(art.categories(), 1);
        // One feature moved by 0.8 (0.5 → 1.3 is outside, so use 0.5 → 0.1): |I ∧ w| drops by
        // 0.4 of 16, M = 15.6 / 16 = 0.975 ≥ 0.9: resonance, the weight learns min(I, w).
        let mut b = a;
        b[0] = 0.1;
        b[FEATURES] = 0.9;
        assert!((art.resonate(&b) - 0.025).abs() < 1e-6);
        assert_eq!(art.categories(), 1);
        assert_eq!(art.weights[0], 0.1);
        // Everything far: M = 8 · 0.1 / 16 ≤ 0.9, a second category.
        let mut c = [0.0f32; DIM];
        for k in 0..FEATURES {
            c[k] = 0.0;
            c[FEATURES + k] = 1.0;
        }
        let d = art.resonate(&c);
        assert!(d > 0.1, "{d}");
        assert_eq!(art.categories(), 2);
    }

    #[test]
    fn median_and_levels() {
        let mut art = ArtDetector::new(1, 0.9);
        art.lo = 0.0;
        art.hi = 8.0;
        assert_eq!(art.level(4.0), 40);
        assert_eq!(art.level(8.0), 80);
        assert_eq!(art.level(-1.0), 0);
        art.hist[10] = 3;
        art.hist[50] = 2;
        assert_eq!(art.median_level(), 10);
        art.hist[50] = 4;
        assert_eq!(art.median_level(), 50);
    }

    #[test]
    fn probation_then_scores_and_spike_wins() {
        let mut art = ArtDetector::new(2, 0.95);
        assert_eq!(art.warmup(), 2 * TREND);
        let xs: Vec<f64> = (0..600)
            .map(|i| if i == 501 { 30.0 } else { (i % 6) as f64 })
            .collect();
        let scores: Vec<Option<f64>> = xs.iter().map(|&x| art.push(x)).collect();
        assert!(scores[..2 * TREND].iter().all(Option::is_none));
        assert!(scores[2 * TREND + 2..].iter().all(Option::is_some));
        let top = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)))
            .map(|(i, _)| i);
        // The block holding the spike and the next one (its window holds the spike too).
        assert!(matches!(top, Some(501..=505)), "{top:?}");
        assert!(art.categories() <= MAX_CATEGORIES);
    }
}
