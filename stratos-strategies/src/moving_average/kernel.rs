//! Moving-average kernels: plain `f64` in, `f64` out, O(period) memory, no allocation per
//! point. Each `push` returns the average after the new value (NaN while undefined), with
//! pandas' missing-value semantics.

use stratos_core::numeric::{NeumaierSum, Ring};

use super::config::MaKind;

/// Simple moving average, pandas `Series.rolling(period).mean()` (`min_periods = period`):
/// NaN until `period` values have arrived, and NaN while the window holds a NaN. Infinities
/// count as missing too (NaN out while one is in the window), so one bad value cannot poison
/// the running sum for good (pandas' own sum turns NaN for good after `inf − inf`).
///
/// This is pandas' running sum (`roll_mean` in `pandas/_libs/window/aggregations.pyx`),
/// operation for operation, so the averages agree with pandas to the last bit:
///
/// ```text
/// per step: remove the value leaving the window, then add the new one (Kahan):
///   add x:     y = x − c_add;  t = s + y;  c_add = (t − s) − y;  s = t       (c_add, c_remove
///   remove x:  y = −x − c_rem; t = s + y;  c_rem = (t − s) − y;  s = t        kept apart)
/// counts: nobs (values in the window), neg (values with the sign bit set), run (how many of
///         the latest added values equal the last one)
/// mean = s / nobs; then run ≥ nobs → the last value; neg = 0 and mean < 0 → 0;
///        neg = nobs and mean > 0 → 0
/// ```
///
/// A window of one restarts the sum at every step (pandas' "no overlap" setup).
///
/// # Examples
/// ```
/// use stratos_strategies::moving_average::Sma;
/// let mut sma = Sma::new(2);
/// assert!(sma.push(1.0).is_nan());
/// assert_eq!(sma.push(3.0), 2.0);
/// assert_eq!(sma.push(5.0), 4.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sma {
    ring: Ring,
    sum: f64,
    comp_add: f64,
    comp_remove: f64,
    nobs: usize,
    neg: usize,
    run: usize,
    prev: f64,
}

impl Sma {
    /// An SMA over `period` values (at least 1).
    pub fn new(period: usize) -> Self {
        let period = period.max(1);
        Sma {
            ring: Ring::new(period),
            sum: 0.0,
            comp_add: 0.0,
            comp_remove: 0.0,
            nobs: 0,
            neg: 0,
            run: 0,
            prev: f64::NAN,
        }
    }

    /// pandas' `add_mean`.
    #[inline]
    fn add(&mut self, x: f64) {
        self.nobs += 1;
        let y = x - self.comp_add;
        let t = self.sum + y;
        self.comp_add = t - self.sum - y;
        self.sum = t;
        if x.is_sign_negative() {
            self.neg += 1;
        }
        // pandas compares the values (`val == prev_value`), not their bits.
        #[allow(clippy::float_cmp)]
        let same = x == self.prev;
        self.run = if same { self.run + 1 } else { 1 };
        self.prev = x;
    }

    /// pandas' `remove_mean`.
    #[inline]
    fn remove(&mut self, x: f64) {
        self.nobs -= 1;
        let y = -x - self.comp_remove;
        let t = self.sum + y;
        self.comp_remove = t - self.sum - y;
        self.sum = t;
        if x.is_sign_negative() {
            self.neg -= 1;
        }
    }

    /// Adds a value; returns the average (NaN while undefined).
    #[inline]
    pub fn push(&mut self, x: f64) -> f64 {
        // Non-finite values are missing; the ring keeps NaN for them.
        let x = if x.is_finite() { x } else { f64::NAN };
        if self.ring.capacity() == 1 {
            // pandas' setup branch (the new window does not overlap the last one).
            self.ring.push(x);
            self.sum = 0.0;
            self.comp_add = 0.0;
            self.nobs = 0;
            self.neg = 0;
            self.run = 0;
            self.prev = x;
            if x.is_finite() {
                self.add(x);
            }
        } else {
            if self.ring.is_empty() {
                // pandas starts the run counter at the window's first value.
                self.prev = x;
                self.run = 0;
            }
            let old = self.ring.push(x);
            if let Some(old) = old.filter(|o| o.is_finite()) {
                self.remove(old);
            }
            if x.is_finite() {
                self.add(x);
            }
        }
        if self.ring.is_full() && self.nobs == self.ring.len() && self.nobs > 0 {
            let mean = self.sum / self.nobs as f64;
            if self.run >= self.nobs {
                self.prev
            } else if (self.neg == 0 && mean < 0.0) || (self.neg == self.nobs && mean > 0.0) {
                0.0
            } else {
                mean
            }
        } else {
            f64::NAN
        }
    }

    /// Forgets all values.
    pub fn reset(&mut self) {
        *self = Sma::new(self.ring.capacity());
    }
}

/// Exponential moving average with span `period` (α = 2 / (period + 1)), pandas
/// `Series.ewm(span=period, adjust=…).mean()` with `ignore_na=False`, `min_periods=0`:
///
/// ```text
/// per step (value or NaN):  w_old ← (1 − α) · w_old
/// on a value x:             e ← (w_old · e + w_new · x) / (w_old + w_new)   (skipped when e == x)
///                           adjust=true:  w_new = 1, then w_old ← w_old + 1
///                           adjust=false: w_new = α, then w_old ← 1
/// the first value starts e; NaN outputs the previous e (NaN before the first value)
/// ```
///
/// Infinities are treated as missing (like NaN), so the average stays finite.
///
/// This is pandas' own recurrence (`pandas/_libs/window/aggregations.pyx`, `ewm`), operation
/// for operation, so results agree to the last ulp.
///
/// # Examples
/// ```
/// use stratos_strategies::moving_average::Ema;
/// let mut ema = Ema::new(3, false); // α = 0.5
/// assert_eq!(ema.push(2.0), 2.0);
/// assert_eq!(ema.push(4.0), 3.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ema {
    decay: f64,
    new_wt: f64,
    adjust: bool,
    old_wt: f64,
    value: f64,
}

impl Ema {
    /// An EMA with span `period` (at least 1); `adjust` as pandas.
    pub fn new(period: usize, adjust: bool) -> Self {
        let alpha = 2.0 / (period.max(1) as f64 + 1.0);
        Ema {
            decay: 1.0 - alpha,
            new_wt: if adjust { 1.0 } else { alpha },
            adjust,
            old_wt: 1.0,
            value: f64::NAN,
        }
    }

    /// Adds a value; returns the average (NaN before the first non-NaN value).
    #[inline]
    pub fn push(&mut self, x: f64) -> f64 {
        if self.value.is_nan() {
            if x.is_finite() {
                self.value = x;
                self.old_wt = 1.0;
            }
            return self.value;
        }
        self.old_wt *= self.decay;
        if x.is_finite() {
            if self.value.to_bits() != x.to_bits() {
                self.value =
                    (self.old_wt * self.value + self.new_wt * x) / (self.old_wt + self.new_wt);
            }
            self.old_wt = if self.adjust {
                self.old_wt + self.new_wt
            } else {
                1.0
            };
        }
        self.value
    }

    /// Forgets all values.
    pub fn reset(&mut self) {
        self.old_wt = 1.0;
        self.value = f64::NAN;
    }
}

/// Linearly weighted moving average: `Σ_{j=1..w} j·x_{t−w+j} / (w(w+1)/2)`, the newest value
/// weighted `w`; NaN until `w` values have arrived and while the window holds a NaN (or an
/// infinity, treated as missing).
///
/// ```text
/// sliding update (S = Σ x, W = Σ j·x over the window):  W ← W − S + w·x_new;  S ← S − x_old + x_new
/// ```
///
/// Both sums are compensated, and W and S are recomputed exactly from the window once per
/// `w` updates (O(1) amortised) and whenever a NaN leaves the window.
///
/// # Examples
/// ```
/// use stratos_strategies::moving_average::Wma;
/// let mut wma = Wma::new(3);
/// wma.push(1.0);
/// wma.push(2.0);
/// assert_eq!(wma.push(3.0), (1.0 + 4.0 + 9.0) / 6.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Wma {
    ring: Ring,
    period: f64,
    denom: f64,
    sum: NeumaierSum,
    wsum: NeumaierSum,
    nans: usize,
    stale: bool,
    since_resync: usize,
}

impl Wma {
    /// A WMA over `period` values (at least 1).
    pub fn new(period: usize) -> Self {
        let p = period.max(1);
        Wma {
            ring: Ring::new(p),
            period: p as f64,
            denom: (p * (p + 1)) as f64 / 2.0,
            sum: NeumaierSum::default(),
            wsum: NeumaierSum::default(),
            nans: 0,
            stale: true,
            since_resync: 0,
        }
    }

    fn resync(&mut self) {
        self.sum.clear();
        self.wsum.clear();
        for (j, v) in self.ring.iter().enumerate() {
            self.sum.add(v);
            self.wsum.add((j + 1) as f64 * v);
        }
        self.stale = false;
        self.since_resync = 0;
    }

    /// Adds a value; returns the average (NaN while undefined).
    #[inline]
    pub fn push(&mut self, x: f64) -> f64 {
        let old = self.ring.push(x);
        if !x.is_finite() {
            self.nans += 1;
            self.stale = true;
        }
        if let Some(o) = old
            && !o.is_finite()
        {
            self.nans -= 1;
        }
        if self.nans > 0 || !self.ring.is_full() {
            self.stale = true;
            return f64::NAN;
        }
        match old {
            Some(o) if !self.stale && self.since_resync < self.ring.capacity() => {
                let s = self.sum.value();
                self.wsum.add(-s);
                self.wsum.add(self.period * x);
                self.sum.add(-o);
                self.sum.add(x);
                self.since_resync += 1;
            }
            _ => self.resync(),
        }
        self.wsum.value() / self.denom
    }

    /// Forgets all values.
    pub fn reset(&mut self) {
        self.ring.clear();
        self.nans = 0;
        self.stale = true;
        self.since_resync = 0;
    }
}

/// Any of the three averages behind one type, for code that picks the kind at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum MovingAverage {
    /// Simple.
    Sma(Sma),
    /// Exponential.
    Ema(Ema),
    /// Linearly weighted.
    Wma(Wma),
}

impl MovingAverage {
    /// An average of `kind` over `period`; `adjust` applies to EMA only.
    pub fn new(kind: MaKind, period: usize, adjust: bool) -> Self {
        match kind {
            MaKind::Sma => MovingAverage::Sma(Sma::new(period)),
            MaKind::Ema => MovingAverage::Ema(Ema::new(period, adjust)),
            MaKind::Wma => MovingAverage::Wma(Wma::new(period)),
        }
    }

    /// Adds a value; returns the average (NaN while undefined).
    #[inline]
    pub fn push(&mut self, x: f64) -> f64 {
        match self {
            MovingAverage::Sma(k) => k.push(x),
            MovingAverage::Ema(k) => k.push(x),
            MovingAverage::Wma(k) => k.push(x),
        }
    }

    /// Forgets all values.
    pub fn reset(&mut self) {
        match self {
            MovingAverage::Sma(k) => k.reset(),
            MovingAverage::Ema(k) => k.reset(),
            MovingAverage::Wma(k) => k.reset(),
        }
    }

    /// The average of every prefix of `values` (one output per input).
    pub fn compute(kind: MaKind, period: usize, adjust: bool, values: &[f64]) -> Vec<f64> {
        let mut k = MovingAverage::new(kind, period, adjust);
        values.iter().map(|&x| k.push(x)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_sma(xs: &[f64], w: usize) -> Vec<f64> {
        (0..xs.len())
            .map(|i| {
                if i + 1 < w {
                    f64::NAN
                } else {
                    xs[i + 1 - w..=i].iter().sum::<f64>() / w as f64
                }
            })
            .collect()
    }

    fn naive_wma(xs: &[f64], w: usize) -> Vec<f64> {
        let denom = (w * (w + 1)) as f64 / 2.0;
        (0..xs.len())
            .map(|i| {
                if i + 1 < w {
                    f64::NAN
                } else {
                    xs[i + 1 - w..=i]
                        .iter()
                        .enumerate()
                        .map(|(j, v)| (j + 1) as f64 * v)
                        .sum::<f64>()
                        / denom
                }
            })
            .collect()
    }

    fn close(a: f64, b: f64, rtol: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (a - b).abs() <= rtol * b.abs().max(1.0)
    }

    #[test]
    fn sma_and_wma_exact_on_offset_series() {
        let xs: Vec<f64> = (0..200_000)
            .map(|i| ((i * 7919) % 1000) as f64 / 100.0)
            .collect();
        let shifted: Vec<f64> = xs.iter().map(|x| x + 1e9).collect();
        for kind in [MaKind::Sma, MaKind::Wma] {
            let a = MovingAverage::compute(kind, 20, false, &xs);
            let b = MovingAverage::compute(kind, 20, false, &shifted);
            for i in 19..xs.len() {
                assert!(
                    (b[i] - 1e9 - a[i]).abs() < 1e-6,
                    "{kind:?} at {i}: {} vs {}",
                    b[i] - 1e9,
                    a[i]
                );
            }
        }
    }

    /// fuzz/regressions/series/{sma_never_recovers_after_inf, ema_stays_inf_after_inf}.
    #[test]
    fn infinities_count_as_missing_and_averages_recover() {
        let xs = [1.0, f64::INFINITY, 3.0, 4.0, 5.0, f64::NEG_INFINITY, 7.0];
        let sma = MovingAverage::compute(MaKind::Sma, 2, false, &xs);
        assert!(sma[1].is_nan() && sma[2].is_nan());
        assert_eq!(sma[3], 3.5);
        assert_eq!(sma[4], 4.5);
        let wma = MovingAverage::compute(MaKind::Wma, 2, false, &xs);
        assert_eq!(wma[4], (4.0 + 10.0) / 3.0);
        for adjust in [false, true] {
            let ema = MovingAverage::compute(MaKind::Ema, 3, adjust, &xs);
            assert!(
                ema.iter().all(|v| v.is_finite() && *v >= 1.0 && *v <= 7.0),
                "{ema:?}"
            );
        }
    }

    #[test]
    fn nan_in_window_gives_nan_then_recovers() {
        let xs = [1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0];
        let sma = MovingAverage::compute(MaKind::Sma, 2, false, &xs);
        assert!(sma[2].is_nan() && sma[3].is_nan());
        assert_eq!(sma[4], 4.5);
        let wma = MovingAverage::compute(MaKind::Wma, 2, false, &xs);
        assert_eq!(wma[5], (5.0 + 12.0) / 3.0);
        let ema = MovingAverage::compute(MaKind::Ema, 3, false, &[f64::NAN, 2.0, f64::NAN, 4.0]);
        assert!(ema[0].is_nan());
        assert_eq!(ema[2], 2.0);
        // After one NaN: ((1-α)^2 e + α x) / ((1-α)^2 + α) with α = 0.5.
        assert_eq!(ema[3], (0.25 * 2.0 + 0.5 * 4.0) / 0.75);
    }

    proptest! {
        #[test]
        fn sma_wma_match_naive(xs in proptest::collection::vec(-1e6f64..1e6, 0..300), w in 1usize..40) {
            let s = MovingAverage::compute(MaKind::Sma, w, false, &xs);
            let n = naive_sma(&xs, w);
            for i in 0..xs.len() {
                prop_assert!(close(s[i], n[i], 1e-9), "sma {i}: {} vs {}", s[i], n[i]);
            }
            let s = MovingAverage::compute(MaKind::Wma, w, false, &xs);
            let n = naive_wma(&xs, w);
            for i in 0..xs.len() {
                prop_assert!(close(s[i], n[i], 1e-9), "wma {i}: {} vs {}", s[i], n[i]);
            }
        }

        #[test]
        fn sma_within_window_range(xs in proptest::collection::vec(-1e6f64..1e6, 1..300), w in 1usize..40) {
            let s = MovingAverage::compute(MaKind::Sma, w, false, &xs);
            for i in (w - 1)..xs.len() {
                let win = &xs[i + 1 - w..=i];
                let lo = win.iter().cloned().fold(f64::INFINITY, f64::min);
                let hi = win.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let slack = 1e-9 * hi.abs().max(lo.abs()).max(1.0);
                prop_assert!(s[i] >= lo - slack && s[i] <= hi + slack);
            }
        }

        #[test]
        fn constant_series_gives_the_constant(c in -1e9f64..1e9, n in 1usize..100, w in 1usize..20) {
            let xs = vec![c; n];
            for kind in [MaKind::Sma, MaKind::Ema, MaKind::Wma] {
                for (i, v) in MovingAverage::compute(kind, w, true, &xs).into_iter().enumerate() {
                    if kind == MaKind::Ema || i + 1 >= w {
                        prop_assert!((v - c).abs() <= 1e-9 * c.abs().max(1.0), "{kind:?} {v} vs {c}");
                    }
                }
            }
        }
    }
}
