//! The relative-entropy detector (Wang et al., "Statistical techniques for online anomaly
//! detection in data centers", 2011, figure 1), online and causal.
//!
//! Values are quantised into `bins` equal bins over the range seen so far; the histogram of the
//! last `window` values is compared with every stored hypothesis (an earlier histogram) by the
//! multinomial goodness-of-fit statistic `2 · window · KL(P̂ ‖ P)`, which under the hypothesis
//! tends to a χ² with `bins − 1` degrees of freedom. The window agrees with the hypothesis of
//! smallest statistic below the χ² quantile `confidence`; when none agrees, the window becomes a
//! new hypothesis and the row scores 1. A row whose agreed hypothesis has been seen at most
//! `min_count` times also scores 1; every other row scores 0.
//!
//! Departures from NAB's implementation, for a causal, bounded detector: the quantisation range
//! is the running minimum and maximum of the values seen so far (NAB uses the whole file's), and
//! at most `max_hypotheses` hypotheses are kept (when full, the least-agreed one, the oldest among
//! equals, makes room).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use stratos_core::ConfigError;
use stratos_core::config::{check_finite_range, check_range};

/// Parameters of [`RelativeEntropy`] (the `relative_entropy` key of the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelativeEntropyParams {
    /// Quantisation bins. Defaults to 5 (NAB's).
    pub bins: usize,
    /// Values per histogram. Defaults to 52 (NAB's).
    pub window: usize,
    /// χ² quantile that bounds agreement. Defaults to 0.99 (NAB's).
    pub confidence: f64,
    /// An agreed hypothesis seen at most this many times still scores 1. Defaults to 1 (NAB's).
    pub min_count: u64,
    /// Most hypotheses kept. Defaults to 256.
    pub max_hypotheses: usize,
}

impl Default for RelativeEntropyParams {
    fn default() -> Self {
        RelativeEntropyParams {
            bins: 5,
            window: 52,
            confidence: 0.99,
            min_count: 1,
            max_hypotheses: 256,
        }
    }
}

impl RelativeEntropyParams {
    /// Checks the ranges (`bins` 2..=64, `window` 2..=100000, `confidence` in (0, 1),
    /// `max_hypotheses` 1..=100000).
    ///
    /// # Errors
    /// [`ConfigError`] naming the key.
    pub fn validate(&self, id: &str) -> Result<(), ConfigError> {
        check_range(id, "relative_entropy.bins", self.bins, 2..=64)?;
        check_range(id, "relative_entropy.window", self.window, 2..=100_000)?;
        check_finite_range(
            id,
            "relative_entropy.confidence",
            self.confidence,
            0.0..=1.0,
        )?;
        if self.confidence <= 0.0 || self.confidence >= 1.0 {
            return Err(ConfigError::invalid(
                id,
                "relative_entropy.confidence",
                self.confidence,
                "a number in (0, 1)",
            ));
        }
        check_range(
            id,
            "relative_entropy.max_hypotheses",
            self.max_hypotheses,
            1..=100_000,
        )?;
        Ok(())
    }
}

/// The online relative-entropy detector of one series (see the module docs).
///
/// Per row: the window's histogram is updated in O(1) (rebuilt only when the running range
/// widens), and each hypothesis costs one multiply-add per non-empty bin: hypotheses are kept
/// as log-frequencies, and `KL(P̂ ‖ P) = Σ p̂ ln p̂ − Σ p̂ ln p` over the non-empty bins of P̂.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::{RelativeEntropy, RelativeEntropyParams};
/// let mut d = RelativeEntropy::new(&RelativeEntropyParams { window: 4, ..Default::default() });
/// let scores: Vec<Option<f64>> = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0].iter().map(|&x| d.update(x)).collect();
/// assert_eq!(scores[..3], [None, None, None]);
/// // The first full window becomes the first hypothesis.
/// assert_eq!(scores[3], Some(0.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RelativeEntropy {
    bins: usize,
    window: usize,
    threshold: f64,
    min_count: u64,
    max_hypotheses: usize,
    values: VecDeque<f64>,
    /// The bin of each value of `values` under the current range.
    bin_of: VecDeque<u8>,
    counts: Vec<u32>,
    min: f64,
    max: f64,
    /// Hypotheses' log-frequencies, `bins` per hypothesis.
    log_p: Vec<f64>,
    count: Vec<u64>,
    born: Vec<u64>,
    seen: u64,
    /// (bin, p̂) of the non-empty bins of the current window.
    nonzero: Vec<(usize, f64)>,
}

impl RelativeEntropy {
    /// A fresh detector.
    pub fn new(p: &RelativeEntropyParams) -> Self {
        let bins = p.bins.clamp(2, 64);
        let window = p.window.max(1);
        let max_hypotheses = p.max_hypotheses.max(1);
        RelativeEntropy {
            bins,
            window,
            threshold: chi2_quantile(p.confidence, (bins - 1) as f64),
            min_count: p.min_count,
            max_hypotheses,
            values: VecDeque::with_capacity(window + 1),
            bin_of: VecDeque::with_capacity(window + 1),
            counts: vec![0; bins],
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            log_p: Vec::with_capacity(max_hypotheses.min(4096) * bins),
            count: Vec::with_capacity(max_hypotheses.min(4096)),
            born: Vec::with_capacity(max_hypotheses.min(4096)),
            seen: 0,
            nonzero: Vec::with_capacity(bins),
        }
    }

    /// The χ² threshold in effect.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Hypotheses held.
    pub fn hypotheses(&self) -> usize {
        self.count.len()
    }

    /// The bin of `v` under the current range (`step` > 0).
    #[inline]
    fn bin(&self, v: f64, step: f64) -> u8 {
        let last = self.bins - 1;
        let b = ((v - self.min) / step).floor();
        (if b >= last as f64 {
            last
        } else if b > 0.0 {
            b as usize
        } else {
            0
        }) as u8
    }

    /// Adds `x` and scores the window ending at it: 1 (anomalous) or 0; `None` before the first
    /// full window and for a non-finite `x` (which is skipped).
    pub fn update(&mut self, x: f64) -> Option<f64> {
        if !x.is_finite() {
            return None;
        }
        let widened = x < self.min || x > self.max;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let range = self.max - self.min;
        let usable = range > 0.0 && range.is_finite();
        let step = range / self.bins as f64;
        if self.values.len() == self.window {
            self.values.pop_front();
            if let Some(b) = self.bin_of.pop_front() {
                let c = &mut self.counts[usize::from(b)];
                *c = c.saturating_sub(1);
            }
        }
        self.values.push_back(x);
        if widened || !usable {
            // The bins moved: re-bin the window.
            self.bin_of.clear();
            self.counts.iter_mut().for_each(|c| *c = 0);
            for i in 0..self.values.len() {
                let b = if usable {
                    self.bin(self.values[i], step)
                } else {
                    0
                };
                self.bin_of.push_back(b);
                self.counts[usize::from(b)] += 1;
            }
        } else {
            let b = self.bin(x, step);
            self.bin_of.push_back(b);
            self.counts[usize::from(b)] += 1;
        }
        if self.values.len() < self.window {
            return None;
        }
        if !usable {
            // A constant stream so far (or a range beyond f64): nothing to tell apart.
            return Some(0.0);
        }
        self.seen += 1;
        let n = self.values.len() as f64;
        self.nonzero.clear();
        let mut h = 0.0;
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                let p = f64::from(c) / n;
                h += p * p.ln();
                self.nonzero.push((i, p));
            }
        }
        let mut best: Option<(usize, f64)> = None;
        for (k, log_p) in self.log_p.chunks_exact(self.bins).enumerate() {
            let mut cross = 0.0;
            for &(i, p) in &self.nonzero {
                cross += p * log_p[i];
            }
            // KL(P̂ ‖ P); −∞ in log_p (an empty bin of P where P̂ has mass) makes it +∞.
            let stat = 2.0 * n * (h - cross);
            if stat < self.threshold && best.is_none_or(|(_, s)| stat < s) {
                best = Some((k, stat));
            }
        }
        let first = self.count.is_empty();
        match best {
            Some((k, _)) => {
                self.count[k] += 1;
                Some(if self.count[k] <= self.min_count {
                    1.0
                } else {
                    0.0
                })
            }
            None => {
                if self.count.len() >= self.max_hypotheses {
                    // Evict the least-agreed hypothesis (the oldest among equals).
                    if let Some(k) =
                        (0..self.count.len()).min_by_key(|&k| (self.count[k], self.born[k]))
                    {
                        let last = self.count.len() - 1;
                        self.count.swap_remove(k);
                        self.born.swap_remove(k);
                        let b = self.bins;
                        self.log_p.copy_within(last * b..(last + 1) * b, k * b);
                        self.log_p.truncate(last * b);
                    }
                }
                for &c in &self.counts {
                    self.log_p.push((f64::from(c) / n).ln());
                }
                self.count.push(1);
                self.born.push(self.seen);
                // The very first window only founds the first hypothesis.
                Some(if first { 0.0 } else { 1.0 })
            }
        }
    }

    /// Heap bytes held, by capacity: O(window + max_hypotheses · bins).
    pub fn heap_bytes(&self) -> usize {
        self.values.capacity() * 8
            + self.bin_of.capacity()
            + self.counts.capacity() * 4
            + self.log_p.capacity() * 8
            + self.count.capacity() * 8
            + self.born.capacity() * 8
            + self.nonzero.capacity() * 16
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        self.values.clear();
        self.bin_of.clear();
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.log_p.clear();
        self.count.clear();
        self.born.clear();
        self.min = f64::INFINITY;
        self.max = f64::NEG_INFINITY;
        self.seen = 0;
    }
}

/// Kullback–Leibler divergence `Σ p̂ ln(p̂ / p)` (∞ when p̂ > 0 where p = 0): the reference
/// form of what [`RelativeEntropy::update`] computes.
#[cfg(test)]
fn kl(p_hat: &[f64], p: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&a, &b) in p_hat.iter().zip(p) {
        if a > 0.0 {
            if b <= 0.0 {
                return f64::INFINITY;
            }
            s += a * (a / b).ln();
        }
    }
    s
}

/// The `q` quantile of a χ² with `k` degrees of freedom.
fn chi2_quantile(q: f64, k: f64) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    ChiSquared::new(k).map_or(f64::INFINITY, |d| d.inverse_cdf(q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_the_chi2_quantile() {
        // scipy.stats.chi2.isf(0.01, 4) = 13.276704135987622
        let d = RelativeEntropy::new(&RelativeEntropyParams::default());
        assert!((d.threshold() - 13.276_704_135_987_622).abs() < 1e-6);
    }

    #[test]
    fn kl_by_hand() {
        // 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 ln 2 + 0.5 ln(2/3)
        let want = 0.5 * 2f64.ln() + 0.5 * (2.0f64 / 3.0).ln();
        assert!((kl(&[0.5, 0.5], &[0.25, 0.75]) - want).abs() < 1e-15);
        assert_eq!(kl(&[0.5, 0.5], &[1.0, 0.0]), f64::INFINITY);
        assert_eq!(kl(&[1.0, 0.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn a_new_level_founds_a_hypothesis_and_scores_one() {
        let p = RelativeEntropyParams {
            bins: 2,
            window: 4,
            ..Default::default()
        };
        let mut d = RelativeEntropy::new(&p);
        // Alternating 0/10: each window is half in each bin; the first founds hypothesis 1.
        let mut out = Vec::new();
        for i in 0..12 {
            out.push(d.update(if i % 2 == 0 { 0.0 } else { 10.0 }));
        }
        assert_eq!(out[3], Some(0.0));
        // Window 2 agrees (count 2 > min_count 1): 0 from then on.
        assert!(out[4..].iter().all(|s| *s == Some(0.0)), "{out:?}");
        assert_eq!(d.hypotheses(), 1);
        // Four 10s: histogram [0, 1], KL to [0.5, 0.5] = ln 2, statistic 8 ln 2 = 5.5 < 6.63
        // (χ²₁ 0.99): still agrees... until the window is all-high; 3 of 4 high also agrees.
        for _ in 0..4 {
            d.update(10.0);
        }
        assert_eq!(d.hypotheses(), 1);
        // A longer window makes the same shift significant: 2·8·ln 2 = 11.1 > 6.63.
        let p = RelativeEntropyParams {
            bins: 2,
            window: 8,
            ..Default::default()
        };
        let mut d = RelativeEntropy::new(&p);
        let mut last = None;
        for i in 0..40 {
            last = d.update(if i % 2 == 0 { 0.0 } else { 10.0 });
        }
        assert_eq!(last, Some(0.0));
        let mut ones = 0;
        for _ in 0..8 {
            ones += usize::from(d.update(10.0) == Some(1.0));
        }
        assert!(ones >= 1, "an all-high window is a new hypothesis");
        assert_eq!(d.hypotheses(), 2);
    }

    #[test]
    fn bounded_and_finite_on_hostile_input() {
        let p = RelativeEntropyParams {
            max_hypotheses: 3,
            window: 5,
            ..Default::default()
        };
        let mut d = RelativeEntropy::new(&p);
        for i in 0..2000 {
            let x = match i % 7 {
                0 => f64::NAN,
                1 => 1e300,
                2 => -1e300,
                _ => (i * i % 17) as f64,
            };
            if let Some(s) = d.update(x) {
                assert!((0.0..=1.0).contains(&s));
            }
            assert!(d.hypotheses() <= 3);
        }
        let mut c = RelativeEntropy::new(&RelativeEntropyParams::default());
        for _ in 0..200 {
            assert!(matches!(c.update(3.0), None | Some(0.0)));
        }
    }
}
