//! KNN CAD: conformal k-nearest-neighbour anomaly detection over lagged windows (Burnaev and
//! Ishimtsev, "Conformalized density- and distance-based anomaly detection in time-series data",
//! 2016), online and causal.
//!
//! Each row forms the item `(x_{t−dim+1}, …, x_t)`. The non-conformity of an item is the sum of
//! its `k` smallest Mahalanobis distances `(a − b)ᵀ Σ (a − b)` to a training set, with
//! `Σ = (XᵀX)⁻¹` over the training items `X` (refreshed every `train / 2` rows). The anomaly
//! score is the share of a calibration set's non-conformities below the item's (a conformal
//! p-value turned around). Training holds the `train` items before the calibration set, the
//! calibration set the `train` items before the current one: each scored item joins the
//! calibration set and the oldest calibration item moves to training. After a score of at least
//! `alert`, the next `rest` rows score 0.5 (NAB's implementation does the same).
//!
//! Departures from NAB's implementation: the training size `train` and `rest` are fixed numbers
//! (NAB derives them from the file's length), and a singular `XᵀX` is ridged instead of kept.
//! Distances are computed in whitened coordinates `z = R⁻ᵀ a`, where `XᵀX = RᵀR` (Cholesky), so a
//! distance costs `dim` operations, not `dim²`.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use stratos_core::ConfigError;
use stratos_core::config::{check_finite_range, check_range};
use stratos_core::numeric::cholesky_upper;

/// Parameters of [`KnnCad`] (the `knn_cad` key of the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnnCadParams {
    /// Item length (lags). Defaults to 19 (NAB's).
    pub dim: usize,
    /// Neighbours summed. Defaults to 27 (NAB's).
    pub k: usize,
    /// Items in the training set, and in the calibration set. Defaults to 300.
    pub train: usize,
    /// A score at or above this starts a rest. Defaults to 0.9965 (NAB's).
    pub alert: f64,
    /// Rows that score 0.5 after an alert. Defaults to 60.
    pub rest: usize,
}

impl Default for KnnCadParams {
    fn default() -> Self {
        KnnCadParams {
            dim: 19,
            k: 27,
            train: 300,
            alert: 0.9965,
            rest: 60,
        }
    }
}

impl KnnCadParams {
    /// Checks the ranges (`dim` 1..=256, `k` 1..train, `train` 2..=100000, `alert` in [0, 1],
    /// `rest` ≤ 1000000).
    ///
    /// # Errors
    /// [`ConfigError`] naming the key.
    pub fn validate(&self, id: &str) -> Result<(), ConfigError> {
        check_range(id, "knn_cad.dim", self.dim, 1..=256)?;
        check_range(id, "knn_cad.train", self.train, 2..=100_000)?;
        check_range(id, "knn_cad.k", self.k, 1..=self.train - 1)?;
        check_finite_range(id, "knn_cad.alert", self.alert, 0.0..=1.0)?;
        check_range(id, "knn_cad.rest", self.rest, 0..=1_000_000)?;
        Ok(())
    }
}

/// The online KNN CAD detector of one series (see the module docs).
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::{KnnCad, KnnCadParams};
/// let p = KnnCadParams { dim: 2, k: 2, train: 20, ..Default::default() };
/// let mut d = KnnCad::new(&p);
/// let mut last = None;
/// for i in 0..100 { last = d.update((i % 5) as f64); }
/// assert!(last.is_some_and(|s| s < 0.9));
/// // A value never seen in that position is far from every training item.
/// assert_eq!(d.update(40.0), Some(1.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KnnCad {
    dim: usize,
    k: usize,
    train: usize,
    alert: f64,
    rest: usize,
    /// The last `dim − 1` values (the lags of the next item).
    lags: VecDeque<f64>,
    /// Raw items, training then calibration, oldest first, `dim` values each.
    raw: VecDeque<f64>,
    /// The same items whitened with the current factor.
    white: VecDeque<f64>,
    /// Items in training (the first `n_train` of `raw`).
    n_train: usize,
    /// Calibration non-conformities, oldest first.
    scores: VecDeque<f64>,
    /// The whitening factor: the upper Cholesky factor R of XᵀX (row-major `dim × dim`);
    /// empty for the identity.
    factor: Vec<f64>,
    /// Rows scored since the factor was refreshed.
    since_refit: usize,
    resting: usize,
    scratch: Vec<f64>,
    dists: Vec<f64>,
    item: Vec<f64>,
}

impl KnnCad {
    /// A fresh detector.
    pub fn new(p: &KnnCadParams) -> Self {
        let dim = p.dim.max(1);
        let train = p.train.max(2);
        KnnCad {
            dim,
            k: p.k.clamp(1, train - 1),
            train,
            alert: p.alert,
            rest: p.rest,
            lags: VecDeque::with_capacity(dim),
            raw: VecDeque::with_capacity(2 * train * dim + dim),
            white: VecDeque::with_capacity(2 * train * dim + dim),
            n_train: 0,
            scores: VecDeque::with_capacity(train + 1),
            factor: Vec::new(),
            since_refit: 0,
            resting: 0,
            scratch: Vec::with_capacity(dim),
            dists: Vec::with_capacity(train),
            item: vec![0.0; dim],
        }
    }

    /// Adds `x` and scores the item ending at it: a score in [0, 1], `None` while the training
    /// set fills and for a non-finite `x` (which is skipped).
    pub fn update(&mut self, x: f64) -> Option<f64> {
        if !x.is_finite() {
            return None;
        }
        if self.lags.len() + 1 < self.dim {
            self.lags.push_back(x);
            return None;
        }
        for (slot, &v) in self.item.iter_mut().zip(self.lags.iter().chain([&x])) {
            *slot = v;
        }
        if self.dim > 1 {
            if self.lags.len() == self.dim - 1 {
                self.lags.pop_front();
            }
            self.lags.push_back(x);
        }
        if self.n_train < self.train {
            self.raw.extend(self.item.iter().copied());
            self.n_train += 1;
            return None;
        }
        if self.scores.is_empty() {
            // Training is full: whiten, then calibrate on the training items themselves
            // (leave-one-out: the k + 1 smallest distances include the item's own 0).
            self.refit();
            let d = self.dim;
            let mut z = vec![0.0; d];
            for i in 0..self.n_train {
                z.copy_from_slice(&self.white.make_contiguous()[i * d..(i + 1) * d]);
                let s = self.ncm(&z, 1);
                self.scores.push_back(s);
            }
        } else if self.since_refit >= self.train / 2 {
            self.refit();
        }
        self.since_refit += 1;
        let mut z = std::mem::take(&mut self.scratch);
        z.clear();
        z.extend_from_slice(&self.item);
        self.whiten(&mut z);
        let s = self.ncm(&z, 0);
        let below = self.scores.iter().filter(|&&c| c < s).count();
        let result = below as f64 / self.scores.len().max(1) as f64;
        // Slide: calibration grows by this item; once it holds `train` items, its oldest
        // moves to training and the oldest training item leaves.
        let n_cal = self.raw.len() / self.dim - self.n_train;
        if n_cal >= self.train {
            self.raw.drain(..self.dim);
            self.white.drain(..self.dim);
        }
        self.raw.extend(self.item.iter().copied());
        self.white.extend(z.iter().copied());
        self.scores.pop_front();
        self.scores.push_back(s);
        self.scratch = z;
        if self.resting > 0 {
            self.resting -= 1;
            return Some(0.5);
        }
        if result >= self.alert {
            self.resting = self.rest;
        }
        Some(result)
    }

    /// Sum of the `k + extra` smallest squared distances from `z` to the training items.
    fn ncm(&mut self, z: &[f64], extra: usize) -> f64 {
        let mut d = std::mem::take(&mut self.dists);
        d.clear();
        let flat = self.white.make_contiguous();
        for item in flat.chunks_exact(self.dim).take(self.n_train) {
            let mut s = 0.0;
            for (a, b) in item.iter().zip(z) {
                let e = a - b;
                s += e * e;
            }
            d.push(if s.is_nan() {
                f64::MAX
            } else {
                s.min(f64::MAX)
            });
        }
        let k = (self.k + extra).min(d.len());
        let s: f64 = if k == 0 {
            0.0
        } else {
            d.select_nth_unstable_by(k - 1, f64::total_cmp);
            d[..k].iter().sum()
        };
        self.dists = d;
        s.min(f64::MAX)
    }

    /// Refreshes the whitening factor from the training items and re-whitens every item.
    fn refit(&mut self) {
        self.since_refit = 0;
        let d = self.dim;
        let mut g = vec![0.0; d * d];
        let flat = self.raw.make_contiguous();
        for item in flat.chunks_exact(d).take(self.n_train) {
            for i in 0..d {
                let a = item[i];
                for j in i..d {
                    g[i * d + j] += a * item[j];
                }
            }
        }
        for i in 0..d {
            for j in 0..i {
                g[i * d + j] = g[j * d + i];
            }
        }
        let trace: f64 = (0..d).map(|i| g[i * d + i]).sum();
        self.factor = if trace.is_finite() && trace > 0.0 {
            // A small ridge keeps a rank-deficient XᵀX (a constant or periodic stretch) usable.
            let ridge = 1e-9 * trace / d as f64;
            for i in 0..d {
                g[i * d + i] += ridge;
            }
            ndarray::ArrayView2::from_shape((d, d), &g)
                .ok()
                .and_then(|m| cholesky_upper(m, 0.0))
                .map(|r| r.iter().copied().collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut z = vec![0.0; d];
        self.white.clear();
        for i in 0..self.raw.len() / d {
            let flat = self.raw.make_contiguous();
            z.copy_from_slice(&flat[i * d..(i + 1) * d]);
            self.whiten(&mut z);
            self.white.extend(z.iter().copied());
        }
    }

    /// `z ← R⁻ᵀ z` (forward substitution with Rᵀ, lower triangular); identity without a factor.
    fn whiten(&self, z: &mut [f64]) {
        let d = self.dim;
        if self.factor.len() != d * d {
            return;
        }
        let r = &self.factor;
        for i in 0..d {
            let mut s = z[i];
            for j in 0..i {
                s -= r[j * d + i] * z[j];
            }
            z[i] = s / r[i * d + i];
        }
    }

    /// Heap bytes held, by capacity: O(train · dim).
    pub fn heap_bytes(&self) -> usize {
        8 * (self.lags.capacity()
            + self.raw.capacity()
            + self.white.capacity()
            + self.scores.capacity()
            + self.factor.capacity()
            + self.scratch.capacity()
            + self.dists.capacity()
            + self.item.capacity())
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        *self = KnnCad::new(&KnnCadParams {
            dim: self.dim,
            k: self.k,
            train: self.train,
            alert: self.alert,
            rest: self.rest,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitened_distance_is_the_mahalanobis_form() {
        // With XᵀX = [[4, 2], [2, 5]], Σ = (XᵀX)⁻¹ = [[5, −2], [−2, 4]] / 16, and for
        // a − b = (1, 1): (1, 1) Σ (1, 1)ᵀ = (5 − 4 + 4) / 16 = 5/16.
        let mut d = KnnCad::new(&KnnCadParams {
            dim: 2,
            ..Default::default()
        });
        d.factor = vec![2.0, 1.0, 0.0, 2.0];
        let mut a = [3.0, 2.0];
        let mut b = [2.0, 1.0];
        d.whiten(&mut a);
        d.whiten(&mut b);
        let dist: f64 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((dist - 5.0 / 16.0).abs() < 1e-15);
    }

    #[test]
    fn scores_are_conformal_shares_and_rest_follows_an_alert() {
        let p = KnnCadParams {
            dim: 1,
            k: 1,
            train: 4,
            alert: 0.99,
            rest: 2,
        };
        let mut d = KnnCad::new(&p);
        // Training items 1, 2, 3, 4; XᵀX = 30, so distances are (a − b)² / 30.
        for x in [1.0, 2.0, 3.0, 4.0] {
            assert_eq!(d.update(x), None);
        }
        // Leave-one-out calibration: nearest other item is 1 away for each: 1/30 each.
        // 2.5 is 0.5 from 2 and 3: ncm 0.25/30, below no calibration score: 0.
        assert_eq!(d.update(2.5), Some(0.0));
        // 100 is far from all: every calibration score is below: 1, and a rest of 2 starts.
        assert_eq!(d.update(100.0), Some(1.0));
        assert_eq!(d.update(2.0), Some(0.5));
        assert_eq!(d.update(2.0), Some(0.5));
        assert!(d.update(2.0).is_some_and(|s| s < 0.5));
    }

    #[test]
    fn bounded_and_finite_on_hostile_input() {
        let p = KnnCadParams {
            dim: 3,
            k: 2,
            train: 10,
            ..Default::default()
        };
        let mut d = KnnCad::new(&p);
        let mut cap = 0;
        for i in 0..3000 {
            let x = match i % 11 {
                0 => f64::NAN,
                1 => 1e300,
                2 => -1e300,
                3 => f64::INFINITY,
                _ => 5.0,
            };
            if let Some(s) = d.update(x) {
                assert!((0.0..=1.0).contains(&s), "{s}");
            }
            if i == 1000 {
                cap = d.heap_bytes();
            }
        }
        assert_eq!(d.heap_bytes(), cap);
        let mut c = KnnCad::new(&p);
        for _ in 0..100 {
            assert!(c.update(1.0).is_none_or(|s| (0.0..=1.0).contains(&s)));
        }
    }
}
