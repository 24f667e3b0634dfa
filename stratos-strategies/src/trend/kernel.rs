//! The bucketed growth window behind `trend_analysis`.

use super::config::TrendMeasure;

/// Two consecutive time windows of `buckets` buckets each (the baseline, then the current
/// window), on a ring of `2 × buckets` buckets aligned to the epoch: bucket `b` covers
/// `[b·w, (b+1)·w)` microseconds, `w = time_window / buckets`. Memory is fixed; a record older
/// than the ring is counted as too late and ignored.
///
/// The current window ends in the bucket still filling, so it covers
/// `(buckets − 1)·w + (t − start of that bucket)` of time, `t` the latest record. Counts and
/// sums of the current window are scaled to a whole window (`× buckets·w / covered`), so that
/// a steady rate reads the same in both windows whatever the fill of the last bucket.
///
/// # Examples
/// ```
/// use stratos_strategies::trend::{GrowthWindow, TrendMeasure};
/// let mut w = GrowthWindow::new(60, 6);
/// for s in 0..60 { w.push(s * 1_000_000, 10.0); }   // baseline minute: mean 10
/// for s in 60..120 { w.push(s * 1_000_000, 30.0); } // current minute: mean 30
/// let (current, baseline) = w.levels(TrendMeasure::Mean);
/// assert_eq!((current, baseline), (30.0, 10.0));
/// ```
#[derive(Debug, Clone)]
pub struct GrowthWindow {
    width: i64,
    buckets: usize,
    records: Vec<u64>,
    finite: Vec<u64>,
    sums: Vec<f64>,
    head: Option<i64>,
    latest: i64,
    too_late: u64,
    /// Totals (records, finite values, sum) of the current and the baseline window, rebuilt
    /// from the buckets whenever the head moves and updated in place in between.
    current: (u64, u64, f64),
    baseline: (u64, u64, f64),
}

impl GrowthWindow {
    /// Windows of `time_window_seconds` seconds in `buckets` buckets each (both at least 1).
    pub fn new(time_window_seconds: u64, buckets: usize) -> Self {
        let buckets = buckets.max(1);
        let micros =
            i64::try_from(time_window_seconds.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
        let width = (micros / buckets as i64).max(1);
        GrowthWindow {
            width,
            buckets,
            records: vec![0; 2 * buckets],
            finite: vec![0; 2 * buckets],
            sums: vec![0.0; 2 * buckets],
            head: None,
            latest: i64::MIN,
            too_late: 0,
            current: (0, 0, 0.0),
            baseline: (0, 0, 0.0),
        }
    }

    fn slot(&self, bucket: i64) -> usize {
        bucket.rem_euclid(2 * self.buckets as i64) as usize
    }

    /// Adds a record at `micros` with `value` (NaN: counted as a record, not in the mean or
    /// sum). Returns false for a record older than the ring (ignored, counted).
    pub fn push(&mut self, micros: i64, value: f64) -> bool {
        let b = micros.div_euclid(self.width);
        let ring = 2 * self.buckets as i64;
        let head = match self.head {
            None => {
                self.head = Some(b);
                self.retotal(b);
                b
            }
            Some(h) if b > h => {
                if b - h >= ring {
                    // Past both windows: everything goes.
                    self.records.fill(0);
                    self.finite.fill(0);
                    self.sums.fill(0.0);
                    self.current = (0, 0, 0.0);
                    self.baseline = (0, 0, 0.0);
                } else {
                    for k in 0..b - h {
                        let s = self.slot(b - k);
                        self.records[s] = 0;
                        self.finite[s] = 0;
                        self.sums[s] = 0.0;
                    }
                    self.retotal(b);
                }
                self.head = Some(b);
                b
            }
            Some(h) => h,
        };
        if b <= head - ring {
            self.too_late += 1;
            return false;
        }
        self.latest = self.latest.max(micros);
        let s = self.slot(b);
        self.records[s] += 1;
        let k = self.buckets as i64;
        let total = if b > head - k {
            &mut self.current
        } else {
            &mut self.baseline
        };
        total.0 += 1;
        if value.is_finite() {
            self.finite[s] += 1;
            self.sums[s] += value;
            total.1 += 1;
            total.2 += value;
        }
        true
    }

    /// Rebuilds both windows' totals from the buckets, for a head at bucket `head`.
    fn retotal(&mut self, head: i64) {
        let k = self.buckets as i64;
        let window = |from: i64| {
            let mut t = (0u64, 0u64, 0.0f64);
            let mut s = self.slot(from);
            for _ in 0..k {
                t.0 += self.records[s];
                t.1 += self.finite[s];
                t.2 += self.sums[s];
                s += 1;
                if s == self.records.len() {
                    s = 0;
                }
            }
            t
        };
        let (current, baseline) = (window(head - k + 1), window(head - 2 * k + 1));
        self.current = current;
        self.baseline = baseline;
    }

    /// (current, baseline) levels of `measure`; NaN where a mean has no values.
    pub fn levels(&self, measure: TrendMeasure) -> (f64, f64) {
        let Some(head) = self.head else {
            return (f64::NAN, f64::NAN);
        };
        let k = self.buckets as i64;
        let covered = (k - 1) as f64 * self.width as f64
            + (self.latest - head * self.width + 1).clamp(1, self.width) as f64;
        let scale = (k as f64 * self.width as f64) / covered;
        let level = |(records, finite, sum): (u64, u64, f64), scale: f64| match measure {
            TrendMeasure::Count => records as f64 * scale,
            TrendMeasure::Sum => sum * scale,
            TrendMeasure::Mean if finite > 0 => sum / finite as f64,
            TrendMeasure::Mean => f64::NAN,
        };
        (level(self.current, scale), level(self.baseline, 1.0))
    }

    /// Records ignored as older than the ring.
    pub fn too_late(&self) -> u64 {
        self.too_late
    }

    /// Buckets held (fixed: 2 × `buckets`), the memory bound per stream.
    pub fn capacity(&self) -> usize {
        self.records.len()
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        self.records.iter_mut().for_each(|x| *x = 0);
        self.finite.iter_mut().for_each(|x| *x = 0);
        self.sums.iter_mut().for_each(|x| *x = 0.0);
        self.head = None;
        self.latest = i64::MIN;
        self.too_late = 0;
        self.current = (0, 0, 0.0);
        self.baseline = (0, 0, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_move_with_time_and_forget_old_buckets() {
        let mut w = GrowthWindow::new(10, 2);
        w.push(0, 1.0);
        // The last bucket is full: no scaling.
        w.push(9_999_999, 3.0);
        assert_eq!(w.levels(TrendMeasure::Sum), (4.0, 0.0));
        w.push(10_000_000, 5.0);
        w.push(14_999_999, 0.0);
        assert_eq!(w.levels(TrendMeasure::Sum), (8.0, 1.0));
        assert_eq!(w.levels(TrendMeasure::Count), (3.0, 1.0));
        // Half a bucket into the next one, the current window covers 7.5 s of 10: scaled.
        w.push(17_499_999, 0.0);
        assert_eq!(w.levels(TrendMeasure::Count), (4.0, 2.0));
        // A jump past both windows clears everything before.
        w.push(100_000_000, 2.0);
        let (current, baseline) = w.levels(TrendMeasure::Mean);
        assert_eq!(current, 2.0);
        assert!(baseline.is_nan(), "an empty baseline has no mean");
    }

    #[test]
    fn too_late_records_are_counted_and_ignored() {
        let mut w = GrowthWindow::new(10, 2);
        w.push(100_000_000, 1.0);
        assert!(!w.push(0, 5.0));
        assert_eq!(w.too_late(), 1);
        assert!(w.push(95_000_000, f64::NAN));
        // Two records, the current window covering 5 s + 1 µs of 10 s: scaled to 10 s.
        let want = 2.0 * 10.0 / 5.000_001;
        assert!((w.levels(TrendMeasure::Count).0 - want).abs() < 1e-9);
        assert_eq!(w.capacity(), 4);
    }
}
