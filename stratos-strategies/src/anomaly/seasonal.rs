//! Seasonal residual detector: removes a seasonal profile learnt online and scores the
//! residual, for periodic series where a plain rolling z-score flags every peak.
//!
//! Per stream:
//!
//! 1. **Period.** The first `prefix` finite values are kept. The period is the lag `k` in
//!    `2..=prefix/2` with the largest sample autocorrelation `r(k)` among the local peaks of
//!    `r`, when that is at least [`MIN_ACF`]; otherwise there is no season (period 1). A
//!    period given in the config is used as it is.
//! 2. **Profile.** Additive Holt–Winters without trend: with level `L` and seasonal terms
//!    `s[p]` (`p` the phase, the count of finite values mod the period), the residual is
//!    `e = x − L − s[p]`, then `L ← L + α (x − s[p] − L)` and `s[p] ← s[p] + α (x − L − s[p])`.
//!    The prefix, once the period is known, is replayed through it (no scores). After the
//!    prefix, `e` is clipped to ±[`HUBER_K`] residual standard deviations before the update
//!    (robust Holt–Winters, after Gelper, Fried & Croux 2010), so an anomaly barely moves the
//!    profile.
//! 3. **Score.** The residual's z-score against the previous `residual_window` residuals
//!    ([`RollingZScore`]): flagged when |z| > `threshold`, score `erf(|z| / √2)`.
//!
//! No score during the prefix. Non-finite values are skipped (they do not advance the phase).
//! Memory per stream: the prefix (`prefix` values, freed once the period is found), the
//! profile (`period` values) and the residual window.

use super::zscore::{RollingZScore, ZPoint};

/// Residuals are clipped to ± this many residual standard deviations before they update the
/// level and profile.
pub const HUBER_K: f64 = 3.0;

/// Smallest autocorrelation accepted as a season.
pub const MIN_ACF: f64 = 0.3;

/// The period with the largest autocorrelation peak in `xs` (lags `2..=xs.len()/2`), or 1
/// when no local peak reaches [`MIN_ACF`] (or the series is constant).
///
/// ```
/// use stratos_strategies::anomaly::seasonal::detect_period;
/// let xs: Vec<f64> = (0..200).map(|i| [0.0, 5.0, 9.0, 5.0, 1.0][i % 5]).collect();
/// assert_eq!(detect_period(&xs), 5);
/// assert_eq!(detect_period(&[3.0; 50]), 1);
/// ```
pub fn detect_period(xs: &[f64]) -> usize {
    let n = xs.len();
    if n < 4 {
        return 1;
    }
    // Halved so that squares of huge values stay finite in sums of ratios.
    let mean = xs.iter().map(|x| x / n as f64).sum::<f64>();
    let dev: Vec<f64> = xs.iter().map(|x| x - mean).collect();
    let scale = dev.iter().fold(0.0f64, |m, d| m.max(d.abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return 1;
    }
    let dev: Vec<f64> = dev.iter().map(|d| d / scale).collect();
    let var: f64 = dev.iter().map(|d| d * d).sum();
    if var <= 0.0 {
        return 1;
    }
    let max_lag = n / 2;
    let acf: Vec<f64> = (0..=max_lag + 1)
        .map(|k| {
            if k >= n {
                return 0.0;
            }
            dev[..n - k]
                .iter()
                .zip(&dev[k..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / var
        })
        .collect();
    let mut best = (1, MIN_ACF);
    for k in 2..=max_lag {
        let r = acf[k];
        if r >= acf[k - 1] && r > acf[k + 1] && r >= best.1 {
            best = (k, r);
        }
    }
    best.0
}

/// The seasonal residual detector of one stream.
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::SeasonalDetector;
/// let mut d = SeasonalDetector::new(None, 100, 50, 0.1);
/// let wave = |i: usize| [0.0, 10.0, 20.0, 10.0][i % 4] + ((i * 37) % 11) as f64 * 0.1;
/// for i in 0..300 { d.push(wave(i)); }
/// // A peak in phase is normal; the same value out of phase is not.
/// assert!(d.push(wave(300)).is_some_and(|p| p.z.abs() < 3.0));
/// assert!(d.push(20.0).is_some_and(|p| p.z > 5.0));
/// assert_eq!(d.period(), Some(4));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SeasonalDetector {
    given: Option<usize>,
    prefix: usize,
    window: usize,
    alpha: f64,
    buf: Vec<f64>,
    period: Option<usize>,
    phase: usize,
    level: f64,
    season: Vec<f64>,
    residuals: RollingZScore,
}

impl SeasonalDetector {
    /// A detector with a given `period` (or `None` to detect it), a `prefix` of values to
    /// learn it from (the warm-up), a residual `window` and smoothing `alpha` in (0, 1].
    pub fn new(period: Option<usize>, prefix: usize, window: usize, alpha: f64) -> Self {
        SeasonalDetector {
            given: period.map(|p| p.max(1)),
            prefix: prefix.max(1),
            window: window.max(2),
            alpha: alpha.clamp(1e-6, 1.0),
            buf: Vec::new(),
            period: None,
            phase: 0,
            level: 0.0,
            season: Vec::new(),
            residuals: RollingZScore::new(window.max(2), 1),
        }
    }

    /// The period in use, once known.
    pub fn period(&self) -> Option<usize> {
        self.period
    }

    /// The residual of `x` at the current phase (before learning it).
    fn residual(&self, x: f64) -> f64 {
        let s = self.season.get(self.phase).copied().unwrap_or(0.0);
        x - self.level - s
    }

    /// Learns `x` into the level and profile, and advances the phase. With a residual scale
    /// `sigma`, the residual is first clipped to ±[`HUBER_K`]·σ (Huber's ψ), so an outlier moves
    /// the profile no more than an ordinary large value would.
    fn learn(&mut self, x: f64, first: bool, sigma: Option<f64>) {
        let a = self.alpha;
        let p = self.phase;
        let s = self.season.get(p).copied().unwrap_or(0.0);
        let x = match sigma {
            Some(sd) if sd > 0.0 && sd.is_finite() && !first => {
                let base = self.level + s;
                let e = (x - base).clamp(-HUBER_K * sd, HUBER_K * sd);
                if (base + e).is_finite() { base + e } else { x }
            }
            _ => x,
        };
        if first {
            self.level = x;
        } else {
            self.level += a * (x - s - self.level);
        }
        let level = self.level;
        if let Some(slot) = self.season.get_mut(p) {
            *slot += a * (x - level - *slot);
        }
        if !self.level.is_finite() || !self.season.iter().all(|v| v.is_finite()) {
            // Sums of huge values overflowed: start again from this value.
            self.level = x;
            self.season.iter_mut().for_each(|v| *v = 0.0);
        }
        self.phase = (p + 1) % self.season.len().max(1);
    }

    /// Scores `x` against the profile and the recent residuals, then learns it: `None`
    /// during the prefix and for non-finite values.
    pub fn push(&mut self, x: f64) -> Option<ZPoint> {
        if !x.is_finite() {
            return None;
        }
        if self.period.is_none() {
            self.buf.push(x);
            if self.buf.len() < self.prefix {
                return None;
            }
            let period = self.given.unwrap_or_else(|| detect_period(&self.buf));
            self.period = Some(period);
            self.season = vec![0.0; period];
            self.phase = 0;
            let buf = std::mem::take(&mut self.buf);
            for (i, &v) in buf.iter().enumerate() {
                let e = self.residual(v);
                if i >= period {
                    self.residuals.add(e);
                }
                self.learn(v, i == 0, None);
            }
            return None;
        }
        let e = self.residual(x);
        let point = self.residuals.score(e);
        self.residuals.add(e);
        self.learn(x, false, point.map(|p| p.scale));
        Some(point.unwrap_or(ZPoint {
            z: 0.0,
            center: e,
            scale: 0.0,
        }))
    }

    /// Heap bytes held, by capacity.
    pub fn heap_bytes(&self) -> usize {
        (self.buf.capacity() + self.season.capacity() + self.window) * 8
    }

    /// Forgets everything learnt.
    pub fn reset(&mut self) {
        *self = SeasonalDetector::new(self.given, self.prefix, self.window, self.alpha);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_of_a_sine_and_of_noise() {
        let xs: Vec<f64> = (0..400)
            .map(|i| (i as f64 * std::f64::consts::TAU / 24.0).sin())
            .collect();
        assert_eq!(detect_period(&xs), 24);
        // A ramp has no autocorrelation peak.
        let ramp: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(detect_period(&ramp), 1);
        assert_eq!(detect_period(&[1.0, 2.0]), 1);
        let huge: Vec<f64> = (0..40)
            .map(|i| if i % 4 == 0 { 1e300 } else { -1e300 })
            .collect();
        assert_eq!(detect_period(&huge), 4);
    }

    #[test]
    fn holt_winters_by_hand() {
        // Period 2 given, prefix 2, alpha 0.5: the prefix [4, 0] is replayed.
        let mut d = SeasonalDetector::new(Some(2), 2, 2, 0.5);
        assert_eq!(d.push(4.0), None);
        assert_eq!(d.push(0.0), None);
        // Replay: x=4 (first): L = 4, s0 += 0.5·(4 − 4 − 0) = 0. x=0: L = 4 + 0.5·(0 − 0 − 4)
        // = 2, s1 = 0.5·(0 − 2 − 0) = −1.
        assert_eq!(d.level, 2.0);
        assert_eq!(d.season, vec![0.0, -1.0]);
        // Next x = 4 at phase 0: residual 4 − 2 − 0 = 2.
        assert_eq!(d.residual(4.0), 2.0);
        let p = d.push(4.0);
        assert!(p.is_some());
        // L = 2 + 0.5·(4 − 0 − 2) = 3, s0 = 0.5·(4 − 3 − 0) = 0.5.
        assert_eq!(d.level, 3.0);
        assert_eq!(d.season, vec![0.5, -1.0]);
    }
}
