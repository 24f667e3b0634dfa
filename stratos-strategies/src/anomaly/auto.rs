//! `"method": "auto"`: the recommended general-purpose detector, one fixed combination chosen by
//! leave-one-category-out cross-validation on the 41 public NAB files (see the README's anomaly
//! section and `tests/nab_cv.rs`, which re-makes the choice).
//!
//! Per field, two cheap members and two rules:
//!
//! * **level**: an EWMA chart with smoothing [`LEVEL_ALPHA`] (warm-up [`LEVEL_WARMUP`] rows),
//!   its score made relative to the [`LEVEL_QUANTILE`] quantile of its last [`LEVEL_RECENT`]
//!   surprises (the `adaptiveThreshold` rule), kept only when above the previous
//!   [`LEVEL_SUPPRESS`] scores (the `suppress_window` rule); a level surprise (score ≥ 0.5)
//!   whose gap to the previous surprise matches the gap before it within [`RHYTHM_TOLERANCE`]
//!   (and is at least [`RHYTHM_MIN_GAP`] rows) has its score multiplied by [`RHYTHM_FACTOR`]:
//!   a spike that comes back on a beat, daily or every 100 rows, is not news (the rhythm rule);
//! * **shape**: the relative-entropy test ([`super::RelativeEntropy`], NAB's 5 bins, 52-value
//!   windows, χ² 0.99), 0 or 1, quiet for [`ENTROPY_REST`] rows after it fires (a histogram
//!   that no hypothesis explains stays unexplained for a few rows: one report, not a run);
//! * **range**: a value beyond the running minimum or maximum of its field by more than
//!   [`SPATIAL_TOLERANCE`] of their distance scores 1 (HTM's "spatial anomaly" rule in NAB;
//!   after [`SPATIAL_MIN_VALUES`] values).
//!
//! The field score is 1 when the range rule fires, else `(level + ENTROPY_WEIGHT · shape) /
//! (1 + ENTROPY_WEIGHT)`; the row's combined score is the largest over fields. After a row
//! scoring at least [`REST_FROM`] the next [`REST`] rows score 0, so a lasting anomaly alerts
//! once. A row whose combined score reaches [`EVENT`] is an alert event; after one, the scores
//! of the next [`SOFT_REST`] rows are multiplied by [`SOFT_REST_FACTOR`] (a soft rest: a second
//! alert close to the first must be stronger).
//!
//! The reported score ranks the alert events (the alert-rate ranking): rows that are no event
//! score below [`EVENT_FLOOR`], events from it up (`EVENT_FLOOR + (1 − EVENT_FLOOR) · score`),
//! and an event the relative-entropy member carried (the range rule did not fire and the level
//! score is below 0.5) is divided by `1 + c / RATE_SCALE`, `c` the stream's recent alert count
//! (its earlier events, exponentially decayed with time constant [`RATE_WINDOW`] rows). In a
//! stream that alerted often of late a shape change is nearly always a false alarm; ranked
//! below the level and range alerts, it is cut by a threshold that asks for few false
//! positives (NAB's Reward Low FP) and kept by one that does not. A row is flagged when its
//! reported score reaches [`FLAG`], the threshold NAB's optimisation picks for this detector on
//! the 41 files (standard profile).
//!
//! Cost per record and field: an EWMA update, a streaming-histogram update of `LEVEL_RECENT`
//! surprises, a monotone deque, a 52-value histogram against at most 256 hypotheses of 5 bins,
//! and a min/max; per row, one multiply-add for the alert count. Memory per field is bounded
//! (about 30 kB: 10 kB of recent surprises, 4 kB of histogram, the rest the relative-entropy
//! hypotheses), flat in stream length.

use super::config::{AnomalyConfig, AnomalyMethod};
use super::detector::{Detector, RowOutcome};
use super::relative_entropy::{RelativeEntropy, RelativeEntropyParams};

/// The parameters of an `auto`-shaped detector. [`AutoParams::default`] is `auto` itself; the
/// others exist so that the cross-validation that chose it can be re-run over a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoParams {
    /// EWMA smoothing of the level member.
    pub level_alpha: f64,
    /// Rows before the level member scores.
    pub level_warmup: usize,
    /// Quantile of the recent surprises the level score is relative to.
    pub level_quantile: f64,
    /// Recent surprises followed by the level member.
    pub level_recent: usize,
    /// A level score stands only when above each of this many previous ones.
    pub level_suppress: usize,
    /// Weight of the relative-entropy member.
    pub entropy_weight: f64,
    /// The relative-entropy member's parameters.
    pub entropy: RelativeEntropyParams,
    /// After the relative-entropy member fires, it stays quiet for this many rows (0: never).
    pub entropy_rest: usize,
    /// The range rule: a value beyond the running minimum or maximum of its field by more than
    /// this share of their distance scores 1 (`None`: off).
    pub spatial_tolerance: Option<f64>,
    /// A row score at least this starts a rest.
    pub rest_from: f64,
    /// Rows that score 0 after a rest starts.
    pub rest: usize,
    /// A row whose combined score reaches this is an alert event: it starts the soft rest and
    /// counts in the recent alert rate.
    pub event: f64,
    /// A row is flagged when its reported score reaches this (see [`AutoParams::rate_window`]).
    pub flag: f64,
    /// After an alert event, the scores of the next `soft_rest` rows are multiplied by
    /// [`AutoParams::soft_rest_factor`] (0: off).
    pub soft_rest: usize,
    /// See [`AutoParams::soft_rest`].
    pub soft_rest_factor: f64,
    /// Rhythm: a level surprise (score ≥ 0.5) that comes as long after the previous one as
    /// that one after its own previous, within this share, has its level score multiplied by
    /// [`AutoParams::rhythm_factor`] (a periodic spike is not news; `None`: off).
    pub rhythm_tolerance: Option<f64>,
    /// See [`AutoParams::rhythm_tolerance`].
    pub rhythm_factor: f64,
    /// The alert-rate ranking: the stream's recent alert count is an exponentially decayed sum
    /// of its alert events with this time constant in rows (0: off, the reported score is the
    /// combined score). The reported score puts every alert event above every other row, and
    /// an event carried by the relative-entropy member (the range rule did not fire and the
    /// level score is below 0.5) is divided by `1 + count / rate_scale`: in a stream that has
    /// alerted often of late, a shape change is ranked below the level and range alerts.
    pub rate_window: usize,
    /// See [`AutoParams::rate_window`].
    pub rate_scale: f64,
}

impl Default for AutoParams {
    fn default() -> Self {
        AutoParams {
            level_alpha: LEVEL_ALPHA,
            level_warmup: LEVEL_WARMUP,
            level_quantile: LEVEL_QUANTILE,
            level_recent: LEVEL_RECENT,
            level_suppress: LEVEL_SUPPRESS,
            entropy_weight: ENTROPY_WEIGHT,
            entropy: RelativeEntropyParams::default(),
            entropy_rest: ENTROPY_REST,
            spatial_tolerance: Some(SPATIAL_TOLERANCE),
            rest_from: REST_FROM,
            rest: REST,
            event: EVENT,
            flag: FLAG,
            soft_rest: SOFT_REST,
            soft_rest_factor: SOFT_REST_FACTOR,
            rhythm_tolerance: Some(RHYTHM_TOLERANCE),
            rhythm_factor: RHYTHM_FACTOR,
            rate_window: RATE_WINDOW,
            rate_scale: RATE_SCALE,
        }
    }
}

impl AutoParams {
    /// The level member's config.
    pub fn level_config(&self) -> AnomalyConfig {
        AnomalyConfig {
            method: AnomalyMethod::Ewma,
            window_size: self.level_warmup.max(2),
            alpha: Some(self.level_alpha),
            adaptive_threshold: true,
            adaptive_quantile: self.level_quantile,
            adaptive_window: self.level_recent.max(10),
            suppress_window: self.level_suppress,
            ..AnomalyConfig::default()
        }
    }
}

/// EWMA smoothing of the level member.
pub const LEVEL_ALPHA: f64 = 0.001;
/// Rows before the level member scores.
pub const LEVEL_WARMUP: usize = 200;
/// Quantile of the recent surprises the level score is relative to.
pub const LEVEL_QUANTILE: f64 = 0.995;
/// Recent surprises followed by the level member.
pub const LEVEL_RECENT: usize = 5000;
/// A level score stands only when above each of this many previous ones.
pub const LEVEL_SUPPRESS: usize = 30;
/// Weight of the relative-entropy member.
pub const ENTROPY_WEIGHT: f64 = 0.8;
/// Rows the relative-entropy member stays quiet after it fires.
pub const ENTROPY_REST: usize = 30;
/// Share of the running range a value must exceed it by to score 1 (the range rule).
pub const SPATIAL_TOLERANCE: f64 = 0.2;
/// Finite values a field needs before the range rule applies: the default relative-entropy
/// window, so that nothing scores before the strategy's warm-up.
pub const SPATIAL_MIN_VALUES: usize = 52;
/// A row score at least this starts a rest.
pub const REST_FROM: f64 = 0.5;
/// Rows that score 0 after a rest starts.
pub const REST: usize = 100;
/// Rows after a flagged row whose scores are damped by [`SOFT_REST_FACTOR`].
pub const SOFT_REST: usize = 40;
/// The damping of the soft rest.
pub const SOFT_REST_FACTOR: f64 = 0.7;
/// The rhythm rule's tolerance: a level surprise whose gap to the previous one is within this
/// share of the gap before is periodic.
pub const RHYTHM_TOLERANCE: f64 = 0.2;
/// The factor on a periodic level surprise's score.
pub const RHYTHM_FACTOR: f64 = 0.3;
/// Gaps shorter than this many rows are never periodic (a run of surprises is one event).
pub const RHYTHM_MIN_GAP: u64 = 10;
/// A row whose combined score reaches this is an alert event (a level surprise just above its
/// recent quantile: 0.5 / 1.8).
pub const EVENT: f64 = 0.2784;
/// Time constant, in rows, of the recent alert count (the alert-rate ranking).
pub const RATE_WINDOW: usize = 1000;
/// The recent alert count at which an entropy-led event's reported score is halved.
pub const RATE_SCALE: f64 = 1.0;
/// With the alert-rate ranking on, reported scores below this are rows that are no alert
/// event, and alert events score from this up.
pub const EVENT_FLOOR: f64 = 0.14;
/// A row is flagged when its reported score reaches this.
pub const FLAG: f64 = 0.2609;

/// An `auto`-shaped detector over a fixed number of fields (`auto` itself with
/// [`AutoParams::default`]).
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::auto::{AutoDetector, AutoParams};
/// let mut d = AutoDetector::new(AutoParams::default(), 1);
/// let mut scores = Vec::new();
/// for i in 0..2000 {
///     let x = 10.0 + ((i * 7919) % 101) as f64 / 100.0 + if i >= 1500 { 8.0 } else { 0.0 };
///     scores.push(d.update(&[x]).unwrap_or(0.0));
/// }
/// assert!(scores[1500] > 0.5);
/// assert!(scores[1501..1600].iter().all(|&s| s == 0.0)); // the rest after the alert
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AutoDetector {
    params: AutoParams,
    level: Vec<Detector>,
    shape: Vec<RelativeEntropy>,
    /// Per field: rows since the relative-entropy member last fired.
    shape_gap: Vec<usize>,
    range: Vec<RunningRange>,
    row: RowOutcome,
    gap: usize,
    /// Rows since a row was flagged (for the soft rest).
    soft_gap: usize,
    /// Per field: the rows of the last two level surprises.
    beats: Vec<[u64; 2]>,
    /// Rows seen.
    rows: u64,
    /// The recent alert count (decayed by `rate_decay` per row).
    rate: f64,
    /// `exp(-1 / rate_window)`.
    rate_decay: f64,
}

/// The running minimum and maximum of a field's finite values (the range rule's state).
#[derive(Debug, Clone, Copy, PartialEq)]
struct RunningRange {
    lo: f64,
    hi: f64,
    seen: usize,
}

impl RunningRange {
    const EMPTY: RunningRange = RunningRange {
        lo: f64::INFINITY,
        hi: f64::NEG_INFINITY,
        seen: 0,
    };

    /// Whether `x` lies beyond the range seen so far by more than `tolerance` of its width
    /// (never before `min_values` values, nor while the range is a point), then adds
    /// it. Non-finite values are skipped.
    fn push(&mut self, x: f64, tolerance: f64, min_values: usize) -> bool {
        if !x.is_finite() {
            return false;
        }
        let width = self.hi - self.lo;
        let outside = self.seen >= min_values
            && width > 0.0
            && width.is_finite()
            && (x > self.hi + width * tolerance || x < self.lo - width * tolerance);
        self.lo = self.lo.min(x);
        self.hi = self.hi.max(x);
        self.seen = self.seen.saturating_add(1);
        outside
    }
}

impl AutoDetector {
    /// A fresh detector of `fields` values per row.
    pub fn new(params: AutoParams, fields: usize) -> Self {
        let level = params.level_config();
        AutoDetector {
            level: (0..fields).map(|_| Detector::new(&level, 1)).collect(),
            shape: (0..fields)
                .map(|_| RelativeEntropy::new(&params.entropy))
                .collect(),
            shape_gap: vec![params.entropy_rest; fields],
            range: vec![RunningRange::EMPTY; fields],
            row: RowOutcome::default(),
            gap: params.rest,
            soft_gap: params.soft_rest,
            beats: vec![[u64::MAX; 2]; fields],
            rows: 0,
            rate: 0.0,
            rate_decay: if params.rate_window > 0 {
                (-1.0 / params.rate_window as f64).exp()
            } else {
                0.0
            },
            params,
        }
    }

    /// The flag threshold.
    pub fn flag(&self) -> f64 {
        self.params.flag
    }

    /// Scores a row (one value per field, NaN for missing) and learns it: the row score in
    /// [0, 1], `None` while no field can be scored.
    pub fn update(&mut self, values: &[f64]) -> Option<f64> {
        let p = &self.params;
        // The best field's score, and whether the relative-entropy member carried it.
        let mut best: Option<(f64, bool)> = None;
        let fields = self
            .level
            .iter_mut()
            .zip(&mut self.shape)
            .zip(&mut self.shape_gap)
            .zip(&mut self.range);
        let row = self.rows;
        self.rows = self.rows.saturating_add(1);
        let mut beats = self.beats.iter_mut();
        for ((((level, shape), shape_gap), range), &x) in fields.zip(values) {
            level.step(&[x], &mut self.row);
            let mut a = self.row.score;
            if let Some(tol) = p.rhythm_tolerance
                && let Some(beat) = beats.next()
                && let Some(v) = a
                && v >= 0.5
            {
                if beat[1] != u64::MAX {
                    let (g1, g2) = ((row - beat[0]) as f64, (beat[0] - beat[1]) as f64);
                    if g1 >= RHYTHM_MIN_GAP as f64 && (g1 - g2).abs() <= tol * g2 {
                        a = Some(v * p.rhythm_factor);
                    }
                }
                *beat = [row, beat[0]];
            }
            let b = shape.update(x);
            // The entropy member's own rest: quiet for `entropy_rest` rows after it fires.
            let b_out = if *shape_gap < p.entropy_rest {
                0.0
            } else {
                b.unwrap_or(0.0)
            };
            if b_out >= 0.5 {
                *shape_gap = 0;
            } else {
                *shape_gap = shape_gap.saturating_add(1);
            }
            let outside = p
                .spatial_tolerance
                .is_some_and(|t| range.push(x, t, SPATIAL_MIN_VALUES));
            if a.is_none() && b.is_none() && !outside {
                continue;
            }
            let level = a.unwrap_or(0.0);
            let s = if outside {
                1.0
            } else {
                let w = p.entropy_weight;
                (level + w * b_out) / (1.0 + w)
            };
            let entropy_led = !outside && level < 0.5;
            if best.is_none_or(|(m, _)| s > m) {
                best = Some((s, entropy_led));
            }
        }
        let Some((s, entropy_led)) = best else {
            self.gap = self.gap.saturating_add(1);
            self.soft_gap = self.soft_gap.saturating_add(1);
            self.rate *= self.rate_decay;
            return None;
        };
        let out = if self.gap < p.rest {
            0.0
        } else if self.soft_gap < p.soft_rest {
            (s * p.soft_rest_factor).clamp(0.0, 1.0)
        } else {
            s.clamp(0.0, 1.0)
        };
        let event = out >= p.event;
        if event {
            self.soft_gap = 0;
        } else {
            self.soft_gap = self.soft_gap.saturating_add(1);
        }
        if out >= p.rest_from {
            self.gap = 0;
        } else {
            self.gap = self.gap.saturating_add(1);
        }
        if p.rate_window == 0 {
            return Some(out);
        }
        // The alert-rate ranking: every event above every other row, entropy-led events
        // ranked down by the stream's recent alert count (counted before this row's).
        let reported = if event {
            let discount = if entropy_led {
                1.0 + self.rate / p.rate_scale.max(f64::MIN_POSITIVE)
            } else {
                1.0
            };
            EVENT_FLOOR + (1.0 - EVENT_FLOOR) * out / discount
        } else {
            EVENT_FLOOR * out / p.event.max(f64::MIN_POSITIVE)
        };
        self.rate = self.rate * self.rate_decay + f64::from(u8::from(event));
        Some(reported.clamp(0.0, 1.0))
    }

    /// The score of every row of one series (0 where nothing could be scored).
    pub fn scores(params: &AutoParams, values: &[f64]) -> Vec<f64> {
        let mut d = AutoDetector::new(params.clone(), 1);
        values
            .iter()
            .map(|&x| d.update(&[x]).unwrap_or(0.0))
            .collect()
    }

    /// Heap bytes held, by capacity: fixed per field.
    pub fn heap_bytes(&self) -> usize {
        self.level.iter().map(Detector::heap_bytes).sum::<usize>()
            + self
                .shape
                .iter()
                .map(RelativeEntropy::heap_bytes)
                .sum::<usize>()
            + self.shape_gap.capacity() * std::mem::size_of::<usize>()
            + self.range.capacity() * std::mem::size_of::<RunningRange>()
            + self.beats.capacity() * std::mem::size_of::<[u64; 2]>()
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        self.level.iter_mut().for_each(Detector::reset);
        self.shape.iter_mut().for_each(RelativeEntropy::reset);
        self.shape_gap.fill(self.params.entropy_rest);
        self.range.fill(RunningRange::EMPTY);
        self.gap = self.params.rest;
        self.soft_gap = self.params.soft_rest;
        self.beats.fill([u64::MAX; 2]);
        self.rows = 0;
        self.rate = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests' uniform draws in [0, 1): a 64-bit LCG's top 31 bits.
    fn next_uniform(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (*state >> 33) as f64 / (1u64 << 31) as f64
    }

    /// Only the range rule: no level or entropy member can score (warm-ups out of reach).
    fn range_only(tolerance: f64) -> AutoParams {
        AutoParams {
            level_warmup: 1_000_000,
            entropy: RelativeEntropyParams {
                window: 1000,
                ..RelativeEntropyParams::default()
            },
            spatial_tolerance: Some(tolerance),
            rest: 0,
            soft_rest: 0,
            rate_window: 0,
            ..AutoParams::default()
        }
    }

    #[test]
    fn the_range_rule_scores_one_beyond_the_running_range_by_the_tolerance() {
        let p = range_only(0.2);
        // 52 values spanning [0, 10]: the rule is armed, the tolerance is 2.
        let mut d = AutoDetector::new(p.clone(), 1);
        for i in 0..52 {
            assert_eq!(d.update(&[f64::from(i % 11)]), None);
        }
        assert_eq!(d.update(&[11.9]), None); // within 10 + 2, and widens the range to 11.9
        assert_eq!(d.update(&[-2.3]), None); // within 0 − 2.38
        assert_eq!(d.update(&[17.0]), Some(1.0)); // beyond 11.9 + 0.2 · 14.2 = 14.74
        // Before 52 values nothing scores, however far.
        let mut d = AutoDetector::new(p, 1);
        for i in 0..51 {
            d.update(&[f64::from(i)]);
        }
        assert_eq!(d.update(&[1e6]), None);
    }

    #[test]
    fn the_range_rule_is_off_without_a_tolerance_and_on_a_point_range() {
        let mut d = AutoDetector::new(
            AutoParams {
                spatial_tolerance: None,
                ..range_only(0.2)
            },
            1,
        );
        for i in 0..20 {
            d.update(&[f64::from(i)]);
        }
        assert_eq!(d.update(&[1e9]), None);
        let mut d = AutoDetector::new(range_only(0.2), 1);
        for _ in 0..20 {
            d.update(&[5.0]);
        }
        assert_eq!(d.update(&[6.0]), None); // a constant start has no width to compare with
        assert_eq!(d.update(&[f64::NAN]), None);
    }

    #[test]
    fn the_entropy_member_rests_after_it_fires() {
        // Only the entropy member (no level, no range rule, no row rest), weight 1: the row
        // score is half the member's output.
        let p = |entropy_rest| AutoParams {
            level_warmup: 1_000_000,
            entropy: RelativeEntropyParams {
                window: 10,
                ..RelativeEntropyParams::default()
            },
            entropy_weight: 1.0,
            entropy_rest,
            spatial_tolerance: None,
            rest: 0,
            soft_rest: 0,
            rate_window: 0,
            ..AutoParams::default()
        };
        // Regimes of 30 rows with different spreads and offsets: the test fires on and off.
        let mut state = 12_345u64;
        let xs: Vec<f64> = (0..600)
            .map(|i| {
                let u = next_uniform(&mut state);
                let regime = (i / 30) % 4;
                [1.0, 4.0, 0.5, 2.0][regime] * u + [0.0, 1.0, 3.0, 0.5][regime]
            })
            .collect();
        // The member's own outputs, and the rest rule applied to them by hand.
        let mut re = RelativeEntropy::new(&p(0).entropy);
        let raw: Vec<f64> = xs.iter().map(|&x| re.update(x).unwrap_or(0.0)).collect();
        let by_hand = |r: usize| -> Vec<f64> {
            let mut gap = r;
            raw.iter()
                .map(|&b| {
                    let out = if gap < r { 0.0 } else { b };
                    gap = if out >= 0.5 { 0 } else { gap + 1 };
                    out / 2.0
                })
                .collect()
        };
        let fired = |s: &[f64]| s.iter().filter(|&&x| x > 0.0).count();
        for r in [0, 5, 20] {
            let got = AutoDetector::scores(&p(r), &xs);
            assert_eq!(got, by_hand(r), "entropy_rest {r}");
        }
        // The rest removes firings that follow one another closely.
        assert!(fired(&by_hand(20)) < fired(&by_hand(0)));
        assert!(fired(&by_hand(0)) > 3);
    }

    #[test]
    fn the_soft_rest_damps_the_rows_after_a_flagged_row() {
        // Only the range rule: a value beyond the range scores 1 (flagged), and the next
        // `soft_rest` rows' scores are multiplied by the factor.
        let p = AutoParams {
            soft_rest: 3,
            soft_rest_factor: 0.5,
            ..range_only(0.2)
        };
        let mut d = AutoDetector::new(p, 1);
        for i in 0..52 {
            d.update(&[f64::from(i % 11)]); // range [0, 10]
        }
        assert_eq!(d.update(&[100.0]), Some(1.0)); // flagged: the soft rest starts
        assert_eq!(d.update(&[1000.0]), Some(0.5)); // damped, and still flagged (0.5 ≥ flag)
        assert_eq!(d.update(&[5.0]), None);
        assert_eq!(d.update(&[5.0]), None);
        assert_eq!(d.update(&[5.0]), None); // three rows after the last flagged one
        assert_eq!(d.update(&[1e5]), Some(1.0)); // the soft rest is over
    }

    #[test]
    fn the_rhythm_rule_damps_surprises_that_come_back_on_a_beat() {
        // Only the level member (no entropy weight, no range rule, no rests): the row score is
        // the level score, damped by the rhythm rule.
        let p = |rhythm_tolerance| AutoParams {
            entropy_weight: 0.0,
            spatial_tolerance: None,
            rest: 0,
            soft_rest: 0,
            rhythm_tolerance,
            rate_window: 0,
            ..AutoParams::default()
        };
        let mut state = 7u64;
        let xs: Vec<f64> = (0..4000)
            .map(|i| {
                let u = next_uniform(&mut state);
                // A spike every 300 rows, and one off the beat at row 1_900.
                u + if (i % 300 == 250 && i > 500) || i == 1900 {
                    10.0
                } else {
                    0.0
                }
            })
            .collect();
        let off = AutoDetector::scores(&p(None), &xs);
        let on = AutoDetector::scores(&p(Some(0.2)), &xs);
        // The rule by hand over the undamped scores: a surprise (≥ 0.5) whose gap to the
        // previous surprise is within 20 % of the gap before it, and at least 10 rows.
        let (mut beats, mut damped) = ([None::<usize>; 2], 0);
        for (i, (&a, &b)) in off.iter().zip(&on).enumerate() {
            if a < 0.5 {
                assert_eq!(a, b, "row {i}");
                continue;
            }
            let periodic = match beats {
                [Some(r0), Some(r1)] => {
                    let (g1, g2) = ((i - r0) as f64, (r0 - r1) as f64);
                    g1 >= 10.0 && (g1 - g2).abs() <= 0.2 * g2
                }
                _ => false,
            };
            beats = [Some(i), beats[0]];
            if periodic {
                assert!((b - 0.3 * a).abs() < 1e-12, "row {i}: {b} against {a}");
                damped += 1;
            } else {
                assert_eq!(a, b, "row {i}");
            }
        }
        assert!(damped >= 3, "{damped} damped");
        // The off-beat spike stands.
        assert!(on[1900] >= 0.5 && on[1900] == off[1900]);
    }

    #[test]
    fn the_alert_rate_ranks_entropy_led_events_down_in_a_busy_stream() {
        // Regimes of changing spread (the entropy member fires) and a few spikes (level and
        // range): the reported score, by hand from the combined score and the members.
        let mut state = 99u64;
        let xs: Vec<f64> = (0..6000)
            .map(|i| {
                let u = next_uniform(&mut state);
                let regime = (i / 400) % 3;
                [1.0, 2.5, 0.6][regime] * u + if i % 1700 == 1650 { 6.0 } else { 0.0 }
            })
            .collect();
        let p = AutoParams::default();
        let raw = AutoDetector::scores(
            &AutoParams {
                rate_window: 0,
                ..p.clone()
            },
            &xs,
        );
        let level = AutoDetector::scores(
            &AutoParams {
                entropy_weight: 0.0,
                spatial_tolerance: None,
                rest: 0,
                soft_rest: 0,
                rate_window: 0,
                ..p.clone()
            },
            &xs,
        );
        let outside: Vec<bool> = {
            let mut r = RunningRange::EMPTY;
            xs.iter()
                .map(|&x| r.push(x, SPATIAL_TOLERANCE, SPATIAL_MIN_VALUES))
                .collect()
        };
        let got = AutoDetector::scores(&p, &xs);
        let decay = (-1.0 / RATE_WINDOW as f64).exp();
        let (mut rate, mut led, mut damped) = (0.0, 0, 0);
        for i in 0..xs.len() {
            let event = raw[i] >= EVENT;
            let want = if !event {
                EVENT_FLOOR * raw[i] / EVENT
            } else if !outside[i] && level[i] < 0.5 {
                led += 1;
                damped += usize::from(rate > 0.1);
                EVENT_FLOOR + (1.0 - EVENT_FLOOR) * raw[i] / (1.0 + rate / RATE_SCALE)
            } else {
                EVENT_FLOOR + (1.0 - EVENT_FLOOR) * raw[i]
            };
            assert!(
                (got[i] - want).abs() < 1e-12,
                "row {i}: {} against {want}",
                got[i]
            );
            // Every event above every other row.
            assert_eq!(got[i] >= EVENT_FLOOR, event, "row {i}");
            rate = rate * decay + f64::from(u8::from(event));
        }
        assert!(
            led >= 3 && damped >= 2,
            "{led} entropy-led events, {damped} damped"
        );
    }

    #[test]
    fn hostile_streams_give_finite_scores_in_range() {
        let streams: [Vec<f64>; 4] = [
            vec![3.0; 3000],
            vec![f64::NAN; 500],
            (0..3000)
                .map(|i| if i % 2 == 0 { 1e300 } else { -1e300 })
                .collect(),
            vec![1.0],
        ];
        for xs in &streams {
            let s = AutoDetector::scores(&AutoParams::default(), xs);
            assert_eq!(s.len(), xs.len());
            assert!(s.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)));
        }
    }
}
