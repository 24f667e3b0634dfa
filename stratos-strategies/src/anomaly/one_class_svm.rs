//! Online one-class SVM (Schölkopf et al. 2001) with an RBF kernel approximated by random
//! Fourier features (Rahimi & Recht 2007) and trained by stochastic gradient descent, as river's
//! `OneClassSVM` is used (with its RBF sampler).
//!
//! Per row, over all fields together:
//!
//! 1. **Inputs.** Each field's value and its change since the previous row, standardised by
//!    exponentially weighted means and deviations (smoothing `2 / (window + 1)`, the EWMA
//!    chart's): `2 · fields` numbers, each clipped to ±[`CLIP`].
//! 2. **Features.** `z(u) = √(2/D) · cos(W u + b)` with `D` components, `W` standard normal
//!    over the kernel bandwidth σ = 1 and `b` uniform in [0, 2π), both drawn from the seed (the
//!    same seed gives the same features), so `z(u)·z(v) ≈ exp(−|u − v|² / 2)`.
//! 3. **Model.** `f(u) = w·z(u) − ρ`, trained on the objective
//!    `½|w|² − ρ + (1/ν) max(0, ρ − w·z)` by one SGD step per row with rate η:
//!    `w ← (1 − η) w + (η/ν) z` and `ρ ← ρ − η (1/ν − 1)` when the margin is violated
//!    (`w·z < ρ`), else `w ← (1 − η) w` and `ρ ← ρ + η`. At equilibrium a share ν of the rows
//!    violate the margin; `w·z` is a kernel density estimate of the recent rows and ρ its
//!    ν-quantile.
//! 4. **Score.** `1 − w·z / ρ`, clipped to [0, 1]: 0 inside the learnt support, 1 where the
//!    estimated density is 0 (far from every recent row). Each row is scored before the model
//!    learns it.
//!
//! No score during the first `window` complete rows; rows with a non-finite value are neither
//! scored nor learnt. Memory per stream is fixed: `D · (2 · fields + 2)` numbers.

use super::isolation_forest::SplitMix64;

/// Standardised inputs are clipped to ±this.
const CLIP: f64 = 50.0;

/// The online one-class SVM of one stream.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::OneClassSvm;
/// let mut svm = OneClassSvm::new(1, 32, 0.1, 0.01, 50, 42);
/// let mut last = 0.0;
/// for i in 0..300 {
///     last = svm.push(&[(i % 5) as f64]).unwrap_or(0.0);
/// }
/// let spike = svm.push(&[60.0]).unwrap_or(0.0);
/// assert!(spike > 0.2 && spike > last, "{spike} {last}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OneClassSvm {
    fields: usize,
    nu: f64,
    eta: f64,
    alpha: f64,
    warmup: usize,
    /// Projection, `components × inputs`, row-major, and phases.
    proj: Vec<f64>,
    phase: Vec<f64>,
    /// Model weights (one per component) and offset.
    w: Vec<f64>,
    rho: f64,
    /// Per field: EW mean and variance of the value and of its change, and the last value.
    stats: Vec<[f64; 5]>,
    seen: usize,
    /// Scratch: the standardised inputs and the features.
    input: Vec<f64>,
    z: Vec<f64>,
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = rng.next_f64().max(f64::MIN_POSITIVE);
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl OneClassSvm {
    /// A model over `fields` values per row with `components` random features, margin share
    /// `nu` in (0, 1], SGD rate `eta`, standardisation window `window` (also the warm-up, in
    /// rows) and random `seed`.
    pub fn new(
        fields: usize,
        components: usize,
        nu: f64,
        eta: f64,
        window: usize,
        seed: u64,
    ) -> Self {
        let inputs = 2 * fields;
        let components = components.max(1);
        let mut rng = SplitMix64::new(seed);
        let proj = (0..components * inputs).map(|_| normal(&mut rng)).collect();
        let phase = (0..components)
            .map(|_| rng.next_f64() * std::f64::consts::TAU)
            .collect();
        OneClassSvm {
            fields,
            nu: nu.clamp(1e-3, 1.0),
            eta: eta.clamp(1e-6, 1.0),
            alpha: 2.0 / (window.max(1) as f64 + 1.0),
            warmup: window.max(1),
            proj,
            phase,
            w: vec![0.0; components],
            rho: 0.0,
            stats: vec![[0.0; 5]; fields],
            seen: 0,
            input: vec![0.0; inputs],
            z: vec![0.0; components],
        }
    }

    /// The standardised input of `x` against the current statistics (no update).
    fn standardise(&mut self, x: &[f64]) {
        for (j, (&v, s)) in x.iter().zip(&self.stats).enumerate() {
            let [mean, var, dmean, dvar, last] = *s;
            let z = |d: f64, var: f64| {
                let z = d / var.sqrt();
                if z.is_finite() {
                    z.clamp(-CLIP, CLIP)
                } else if d.is_finite() && d != 0.0 && var == 0.0 {
                    CLIP.copysign(d)
                } else {
                    0.0
                }
            };
            self.input[2 * j] = z(v - mean, var);
            self.input[2 * j + 1] = z((v - last) - dmean, dvar);
        }
    }

    /// The features `z(u)` of the current input.
    fn featurise(&mut self) {
        let inputs = self.input.len();
        let scale = (2.0 / self.z.len() as f64).sqrt();
        for (k, (zk, &b)) in self.z.iter_mut().zip(&self.phase).enumerate() {
            let row = &self.proj[k * inputs..(k + 1) * inputs];
            let dot: f64 = row.iter().zip(&self.input).map(|(a, u)| a * u).sum();
            *zk = scale * (dot + b).cos();
        }
    }

    /// Learns the standardised statistics from `x`.
    fn learn_stats(&mut self, x: &[f64]) {
        let a = self.alpha;
        for (&v, s) in x.iter().zip(self.stats.iter_mut()) {
            let [mean, var, dmean, dvar, last] = *s;
            if self.seen == 0 {
                *s = [v, 0.0, 0.0, 0.0, v];
                continue;
            }
            let ew = |m: f64, var: f64, x: f64| {
                let d = x - m;
                let inc = a * d;
                let var = (1.0 - a) * (var + d * inc);
                (m + inc, if var.is_finite() { var } else { f64::MAX })
            };
            let (m, vv) = ew(mean, var, v);
            let change = v - last;
            let (dm, dv) = if self.seen >= 2 {
                ew(dmean, dvar, change)
            } else {
                (change, 0.0)
            };
            *s = [m, vv, dm, dv, v];
        }
    }

    /// Scores the row `x` (one value per field), then learns it: `None` during the warm-up
    /// and for rows with a non-finite value or the wrong width, else the score in [0, 1].
    pub fn push(&mut self, x: &[f64]) -> Option<f64> {
        if x.len() != self.fields || x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut score = None;
        if self.seen >= 2 {
            self.standardise(x);
            self.featurise();
            let dot: f64 = self.w.iter().zip(&self.z).map(|(a, b)| a * b).sum();
            if self.seen >= self.warmup {
                score = Some(if self.rho > 0.0 {
                    (1.0 - dot / self.rho).clamp(0.0, 1.0)
                } else {
                    0.0
                });
            }
            // One SGD step on the one-class objective.
            let keep = 1.0 - self.eta;
            if dot < self.rho {
                let gain = self.eta / self.nu;
                for (wk, zk) in self.w.iter_mut().zip(&self.z) {
                    *wk = keep * *wk + gain * zk;
                }
                self.rho -= self.eta * (1.0 / self.nu - 1.0);
            } else {
                self.w.iter_mut().for_each(|wk| *wk *= keep);
                self.rho += self.eta;
            }
        }
        self.learn_stats(x);
        self.seen = self.seen.saturating_add(1);
        score
    }

    /// Rows before the first score.
    pub fn warmup(&self) -> usize {
        self.warmup
    }

    /// The model's offset ρ.
    pub fn rho(&self) -> f64 {
        self.rho
    }

    /// Heap bytes held, by capacity.
    pub fn heap_bytes(&self) -> usize {
        (self.proj.capacity()
            + self.phase.capacity()
            + self.w.capacity()
            + self.input.capacity()
            + self.z.capacity())
            * 8
            + self.stats.capacity() * 40
    }

    /// Forgets everything learnt (the features stay: they depend on the seed only).
    pub fn reset(&mut self) {
        self.w.iter_mut().for_each(|w| *w = 0.0);
        self.rho = 0.0;
        self.stats.iter_mut().for_each(|s| *s = [0.0; 5]);
        self.seen = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_approximate_the_rbf_kernel() {
        let mut svm = OneClassSvm::new(1, 4000, 0.1, 0.01, 10, 3);
        let mut feats = |u: [f64; 2]| {
            svm.input.copy_from_slice(&u);
            svm.featurise();
            svm.z.clone()
        };
        let a = feats([0.0, 0.0]);
        let b = feats([1.0, 0.0]);
        let c = feats([3.0, 0.0]);
        let k = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(x, y)| x * y).sum::<f64>();
        // exp(−1/2) = 0.607, exp(−9/2) = 0.011, exp(0) = 1.
        assert!((k(&a, &a) - 1.0).abs() < 0.05);
        assert!((k(&a, &b) - (-0.5f64).exp()).abs() < 0.05);
        assert!(k(&a, &c).abs() < 0.05);
    }

    #[test]
    fn sgd_steps_by_hand() {
        let mut svm = OneClassSvm::new(1, 8, 0.5, 0.1, 1, 1);
        // Row 0 and 1 only start the statistics; row 2 is the first SGD step.
        assert_eq!(svm.push(&[1.0]), None);
        assert_eq!(svm.push(&[2.0]), None);
        // w = 0, ρ = 0: w·z = 0 is not below ρ, so w stays 0 and ρ rises by η. Score 0 (ρ = 0).
        assert_eq!(svm.push(&[1.5]), Some(0.0));
        assert!((svm.rho() - 0.1).abs() < 1e-15);
        // Now w·z = 0 < ρ = 0.1: violated, ρ ← 0.1 − 0.1 · (1/0.5 − 1) = 0; score 1 − 0/0.1 = 1.
        assert_eq!(svm.push(&[1.5]), Some(1.0));
        assert!(svm.rho().abs() < 1e-15);
        assert!(svm.w.iter().any(|w| *w != 0.0));
    }

    #[test]
    fn same_seed_same_scores() {
        let xs: Vec<f64> = (0..200).map(|i| ((i * 37) % 11) as f64).collect();
        let run = |seed| {
            let mut s = OneClassSvm::new(1, 16, 0.1, 0.01, 20, seed);
            xs.iter().map(|&x| s.push(&[x])).collect::<Vec<_>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }
}
