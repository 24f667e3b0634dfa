//! A mergeable quantile sketch with relative error α (DDSketch: Masson, Rim & Lee, "DDSketch:
//! A Fast and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees", VLDB 2019).

use std::collections::BTreeMap;

/// Log-bucketed counts: a value `x > 0` falls in bucket `⌈log_γ x⌉`, `γ = (1 + α)/(1 − α)`,
/// and is read back as `2γ^i/(γ + 1)`, within relative error α of every value in the bucket.
/// Negative values use a mirrored set of buckets, zero its own count. At most `max_buckets`
/// buckets per sign are kept: past that the two lowest-magnitude buckets merge (their
/// values lose the guarantee; with α = 1% and 2048 buckets that takes a range over 10^17).
/// Sketches with the same α merge exactly ([`QuantileSketch::merge`]).
///
/// # Examples
/// ```
/// use stratos_core::numeric::QuantileSketch;
/// let mut s = QuantileSketch::new(0.01);
/// for x in 1..=1000 { s.add(x as f64); }
/// let p95 = s.quantile(0.95).unwrap_or(f64::NAN);
/// // The exact lower 95th percentile is the value of rank ⌊0.95 · 999⌋ = 949, i.e. 950.
/// assert!((p95 - 950.0).abs() <= 0.01 * 950.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileSketch {
    ln_gamma: f64,
    gamma: f64,
    positive: BTreeMap<i32, u64>,
    negative: BTreeMap<i32, u64>,
    zero: u64,
    count: u64,
    min: f64,
    max: f64,
    max_buckets: usize,
}

/// Smallest magnitude told apart from zero.
const MIN_MAGNITUDE: f64 = 1e-300;

impl QuantileSketch {
    /// An empty sketch with relative accuracy `alpha` (clamped into [1e-4, 0.5]) and at most
    /// 2048 buckets per sign.
    pub fn new(alpha: f64) -> Self {
        let alpha = if alpha.is_finite() {
            alpha.clamp(1e-4, 0.5)
        } else {
            0.01
        };
        let gamma = (1.0 + alpha) / (1.0 - alpha);
        QuantileSketch {
            ln_gamma: gamma.ln(),
            gamma,
            positive: BTreeMap::new(),
            negative: BTreeMap::new(),
            zero: 0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            max_buckets: 2048,
        }
    }

    fn index(&self, magnitude: f64) -> i32 {
        let i = (magnitude.ln() / self.ln_gamma).ceil();
        // |ln x| ≤ 745 for finite x, so the index fits easily.
        i.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
    }

    fn value(&self, index: i32) -> f64 {
        2.0 * self.gamma.powi(index) / (self.gamma + 1.0)
    }

    fn collapse(map: &mut BTreeMap<i32, u64>, max: usize) {
        while map.len() > max {
            let Some((lo, n)) = map.pop_first() else {
                return;
            };
            if let Some(mut next) = map.first_entry() {
                *next.get_mut() += n;
            } else {
                map.insert(lo, n);
                return;
            }
        }
    }

    /// Adds a value; NaN and infinities are ignored.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x.abs() < MIN_MAGNITUDE {
            self.zero += 1;
        } else if x > 0.0 {
            let i = self.index(x);
            *self.positive.entry(i).or_insert(0) += 1;
            Self::collapse(&mut self.positive, self.max_buckets);
        } else {
            let i = self.index(-x);
            *self.negative.entry(i).or_insert(0) += 1;
            Self::collapse(&mut self.negative, self.max_buckets);
        }
    }

    /// Adds every value of `other` (which must have the same α to keep the guarantee).
    pub fn merge(&mut self, other: &QuantileSketch) {
        for (&i, &n) in &other.positive {
            *self.positive.entry(i).or_insert(0) += n;
        }
        for (&i, &n) in &other.negative {
            *self.negative.entry(i).or_insert(0) += n;
        }
        Self::collapse(&mut self.positive, self.max_buckets);
        Self::collapse(&mut self.negative, self.max_buckets);
        self.zero += other.zero;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Buckets held (the memory used, besides a few numbers).
    pub fn buckets(&self) -> usize {
        self.positive.len() + self.negative.len()
    }

    /// The `q`-quantile (`q` in [0, 1]): the value of 0-based rank `⌊q · (n − 1)⌋` within
    /// relative error α, clamped into the exact [min, max]; `None` when empty or `q` is out of
    /// range.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = (q * (self.count - 1) as f64).floor() as u64;
        let mut seen = 0u64;
        let clamp = |v: f64| v.clamp(self.min, self.max);
        for (&i, &n) in self.negative.iter().rev() {
            seen += n;
            if seen > rank {
                return Some(clamp(-self.value(i)));
            }
        }
        seen += self.zero;
        if seen > rank {
            return Some(clamp(0.0));
        }
        for (&i, &n) in &self.positive {
            seen += n;
            if seen > rank {
                return Some(clamp(self.value(i)));
            }
        }
        Some(self.max)
    }
}

/// A sketch's contents as plain numbers ([`QuantileSketch::parts`]), to store a sketch or
/// ship it between processes — for example as the partial state of a distributed aggregate —
/// and rebuild it with [`QuantileSketch::from_parts`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SketchParts {
    /// Values within 1e-300 of zero.
    pub zero: u64,
    /// The smallest value added (`+∞` when empty).
    pub min: f64,
    /// The largest value added (`−∞` when empty).
    pub max: f64,
    /// `(bucket index, count)` of the positive values, ascending by index.
    pub positive: Vec<(i32, u64)>,
    /// `(bucket index, count)` of the negative values (by magnitude), ascending by index.
    pub negative: Vec<(i32, u64)>,
}

impl QuantileSketch {
    /// The sketch's contents; [`QuantileSketch::from_parts`] with the same α gives the sketch
    /// back.
    pub fn parts(&self) -> SketchParts {
        SketchParts {
            zero: self.zero,
            min: self.min,
            max: self.max,
            positive: self.positive.iter().map(|(&i, &n)| (i, n)).collect(),
            negative: self.negative.iter().map(|(&i, &n)| (i, n)).collect(),
        }
    }

    /// A sketch with relative accuracy `alpha` holding `parts`, which must come from
    /// [`QuantileSketch::parts`] of a sketch with the same α (the bucket indexes depend on
    /// it). `None` when the parts cannot come from any sketch: a bucket with a zero count, a
    /// repeated index, a total count that overflows, or bounds that are NaN or do not fit
    /// the count (`min ≤ max` when anything was added, `+∞`/`−∞` when nothing was).
    pub fn from_parts(alpha: f64, parts: &SketchParts) -> Option<Self> {
        let mut sketch = QuantileSketch::new(alpha);
        let mut count = parts.zero;
        for (buckets, map) in [
            (&parts.positive, &mut sketch.positive),
            (&parts.negative, &mut sketch.negative),
        ] {
            for &(i, n) in buckets {
                if n == 0 || map.insert(i, n).is_some() {
                    return None;
                }
                count = count.checked_add(n)?;
            }
        }
        let bounds_fit = if count == 0 {
            parts.min == f64::INFINITY && parts.max == f64::NEG_INFINITY
        } else {
            parts.min.is_finite() && parts.max.is_finite() && parts.min <= parts.max
        };
        if !bounds_fit {
            return None;
        }
        Self::collapse(&mut sketch.positive, sketch.max_buckets);
        Self::collapse(&mut sketch.negative, sketch.max_buckets);
        sketch.zero = parts.zero;
        sketch.count = count;
        sketch.min = parts.min;
        sketch.max = parts.max;
        Some(sketch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exact(values: &[f64], q: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        v[(q * (v.len() - 1) as f64).floor() as usize]
    }

    #[test]
    fn empty_and_edge_cases() {
        let mut s = QuantileSketch::new(0.01);
        assert_eq!(s.quantile(0.5), None);
        s.add(f64::NAN);
        s.add(f64::INFINITY);
        assert_eq!(s.count(), 0);
        s.add(0.0);
        assert_eq!(s.quantile(0.5), Some(0.0));
        assert_eq!(s.quantile(1.5), None);
        s.add(-5.0);
        s.add(5.0);
        assert_eq!(s.quantile(0.0), Some(-5.0));
        assert_eq!(s.quantile(1.0), Some(5.0));
    }

    proptest! {
        #[test]
        fn quantiles_within_relative_error_and_merge_exactly(
            a in prop::collection::vec(-1e6f64..1e6, 1..300),
            b in prop::collection::vec(-1e6f64..1e6, 1..300),
            q in 0.0f64..=1.0,
        ) {
            let alpha = 0.01;
            let (mut sa, mut sb, mut all) = (QuantileSketch::new(alpha), QuantileSketch::new(alpha), QuantileSketch::new(alpha));
            a.iter().for_each(|&x| { sa.add(x); all.add(x); });
            b.iter().for_each(|&x| { sb.add(x); all.add(x); });
            sa.merge(&sb);
            prop_assert_eq!(&sa, &all);
            let values: Vec<f64> = a.iter().chain(&b).copied().collect();
            let want = exact(&values, q);
            let got = sa.quantile(q).unwrap();
            prop_assert!((got - want).abs() <= alpha * want.abs() + 1e-9, "q={} got {} want {}", q, got, want);
        }

        #[test]
        fn parts_round_trip(
            a in prop::collection::vec(prop_oneof![-1e6f64..1e6, Just(0.0)], 0..300),
            alpha in 0.001f64..0.1,
        ) {
            let mut s = QuantileSketch::new(alpha);
            a.iter().for_each(|&x| s.add(x));
            prop_assert_eq!(QuantileSketch::from_parts(alpha, &s.parts()), Some(s));
        }
    }

    #[test]
    fn parts_that_no_sketch_has_are_refused() {
        let mut s = QuantileSketch::new(0.01);
        s.add(2.0);
        s.add(-3.0);
        let good = s.parts();
        assert!(QuantileSketch::from_parts(0.01, &good).is_some());
        let refused = |f: &dyn Fn(&mut SketchParts)| {
            let mut p = good.clone();
            f(&mut p);
            QuantileSketch::from_parts(0.01, &p).is_none()
        };
        assert!(refused(&|p| p.positive[0].1 = 0));
        assert!(refused(&|p| p.positive.push(p.positive[0])));
        assert!(refused(&|p| p.negative.push((7, u64::MAX))));
        assert!(refused(&|p| p.min = f64::NAN));
        assert!(refused(&|p| (p.min, p.max) = (5.0, 1.0)));
        assert!(refused(&|p| *p = SketchParts {
            zero: 0,
            min: 0.0,
            max: 0.0,
            ..SketchParts::default()
        }));
        let empty = QuantileSketch::new(0.01);
        assert_eq!(
            QuantileSketch::from_parts(0.01, &empty.parts()),
            Some(empty)
        );
    }
}
