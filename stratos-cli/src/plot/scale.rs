//! Pixel columns, envelopes and axis labels of the chart.

use super::*;

/// The bars of pixel column `c` (of [`COLUMNS`]) when `n` bars span the plot.
pub(super) fn column_bars(c: usize, n: usize) -> Range<usize> {
    (c * n / COLUMNS)..((c + 1) * n / COLUMNS)
}

/// The `(bar, value)` points to draw of a series: every finite value when there are at most
/// two bars per pixel column, else, per column, its lowest and its highest finite value in
/// bar order (at most `2 ·` [`COLUMNS`] points, and a one-bar spike keeps its height).
pub(super) fn envelope(values: &[f64]) -> Vec<(f64, f64)> {
    let n = values.len();
    if n <= 2 * COLUMNS {
        return values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| (i as f64, *v))
            .collect();
    }
    let mut points = Vec::with_capacity(2 * COLUMNS);
    for c in 0..COLUMNS {
        let bars = column_bars(c, n);
        let mut low: Option<(usize, f64)> = None;
        let mut high: Option<(usize, f64)> = None;
        for i in bars {
            let v = values[i];
            if !v.is_finite() {
                continue;
            }
            if low.is_none_or(|(_, l)| v < l) {
                low = Some((i, v));
            }
            if high.is_none_or(|(_, h)| v > h) {
                high = Some((i, v));
            }
        }
        match (low, high) {
            (Some(a), Some(b)) if a.0 == b.0 => points.push((a.0 as f64, a.1)),
            (Some(a), Some(b)) => {
                let (first, second) = if a.0 < b.0 { (a, b) } else { (b, a) };
                points.push((first.0 as f64, first.1));
                points.push((second.0 as f64, second.1));
            }
            _ => {}
        }
    }
    points
}

/// `n` with its thousands grouped: `1,000,000`.
pub(super) fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A volume-axis number: `950`, `12.5K`, `3.2M`, `1.1B`.
pub(super) fn compact_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "K")
    } else {
        return format!("{v:.0}");
    };
    let text = format!("{scaled:.1}");
    format!("{}{suffix}", text.trim_end_matches(".0"))
}

/// The finite values' range with 4 % of room on each side (a unit around a constant).
pub(super) fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.04
    } else {
        lo.abs().max(1.0) * 0.01
    };
    (lo - pad, hi + pad)
}

/// A y-axis number: grouped thousands without decimals from 1000 up, else 2 decimals.
pub(super) fn axis_number(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let digits = format!("{:.0}", v.abs());
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if v < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        format!("{v:.2}")
    }
}

/// Labels for the bar axis: the bar's date, with the time when the data is intraday.
pub(super) struct DateLabels<'a> {
    times: Option<&'a [Timestamp]>,
    intraday: bool,
}

impl<'a> DateLabels<'a> {
    pub(super) fn new(times: Option<&'a [Timestamp]>) -> Self {
        const DAY: i64 = 86_400_000_000;
        let intraday = times.is_some_and(|t| t.iter().any(|t| t.micros().rem_euclid(DAY) != 0));
        DateLabels { times, intraday }
    }

    pub(super) fn label(&self, x: f64, n: usize) -> String {
        let rounded = x.round();
        if !(0.0..n as f64).contains(&rounded) {
            return String::new();
        }
        let i = rounded as usize;
        let Some(t) = self.times.and_then(|t| t.get(i)) else {
            return i.to_string();
        };
        let text = t.to_string();
        // RFC 3339: `YYYY-MM-DDTHH:MM:SS…`.
        let len = if self.intraday { 16 } else { 10 };
        text.get(..len)
            .map_or(text.clone(), |s| s.replace('T', " "))
    }
}
