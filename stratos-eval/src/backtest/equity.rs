//! The equity curve with its drawdown, and the drawdown episodes the statistics use.

use serde::{Deserialize, Serialize};

use stratos_core::timestamp::Timestamp;

use super::timedelta::Timedelta;

/// Equity per bar with backtesting.py's `_equity_curve` columns.
///
/// ```text
/// Equity[i]           cash + Σ_open size·(Close[i] − entry_price), after bar i's fills;
///                     bars before the first traded bar carry the first recorded value
/// DrawdownPct[i]      1 − Equity[i] / max_{s≤i} Equity[s]          (a fraction)
/// DrawdownDuration[i] on the bar that closes a drawdown episode: time[i] − time[peak];
///                     None elsewhere
/// ```
///
/// An episode runs between two consecutive bars with `DrawdownPct == 0` (the last bar also
/// closes one) and has at least one bar between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EquityCurve {
    /// The bars' timestamps.
    pub timestamps: Vec<Timestamp>,
    /// Account equity.
    pub equity: Vec<f64>,
    /// Drawdown from the running peak, as a fraction.
    pub drawdown_pct: Vec<f64>,
    /// Drawdown episode durations, on each episode's closing bar.
    pub drawdown_duration: Vec<Option<Timedelta>>,
}

/// One drawdown episode (`compute_drawdown_duration_peaks` in backtesting.py's `_stats.py`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Episode {
    pub(crate) duration: Timedelta,
    pub(crate) peak_dd: f64,
}

impl EquityCurve {
    /// Builds drawdowns from equity; also returns the episodes.
    pub(crate) fn build(timestamps: &[Timestamp], equity: Vec<f64>) -> (Self, Vec<Episode>) {
        let n = equity.len();
        let mut dd = Vec::with_capacity(n);
        let mut durations = vec![None; n];
        let mut episodes = Vec::new();
        let mut peak = f64::NAN;
        // The last closing bar and the largest drawdown since it (inclusive; NaN skipped).
        let mut prev: Option<usize> = None;
        let mut episode_max = f64::NAN;
        for (i, &e) in equity.iter().enumerate() {
            // np.maximum.accumulate propagates NaN; equity is never NaN for valid bars.
            peak = if peak.is_nan() || e > peak || e.is_nan() {
                e
            } else {
                peak
            };
            let d = 1.0 - e / peak;
            dd.push(d);
            if episode_max.is_nan() || d > episode_max {
                episode_max = d;
            }
            #[allow(clippy::float_cmp)]
            let closes = d == 0.0 || i + 1 == n;
            if !closes {
                continue;
            }
            if let Some(p) = prev
                && i > p + 1
            {
                let duration =
                    Timedelta::from_micros(timestamps[i].micros() - timestamps[p].micros());
                durations[i] = Some(duration);
                episodes.push(Episode {
                    duration,
                    peak_dd: episode_max,
                });
            }
            prev = Some(i);
            episode_max = d;
        }
        (
            EquityCurve {
                timestamps: timestamps.to_vec(),
                equity,
                drawdown_pct: dd,
                drawdown_duration: durations,
            },
            episodes,
        )
    }

    /// The number of bars.
    pub fn len(&self) -> usize {
        self.equity.len()
    }

    /// True when there are no bars.
    pub fn is_empty(&self) -> bool {
        self.equity.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn episodes_close_on_zero_drawdown_or_the_last_bar() {
        let ts: Vec<Timestamp> = (0..7)
            .map(|i| Timestamp::from_epoch_seconds(i * 86_400).unwrap())
            .collect();
        let (curve, eps) =
            EquityCurve::build(&ts, vec![100.0, 90.0, 100.0, 110.0, 99.0, 88.0, 100.0]);
        assert_eq!(curve.drawdown_pct[1], 0.09999999999999998);
        assert_eq!(eps.len(), 2);
        assert_eq!(eps[0].duration.days(), 2);
        assert_eq!(curve.drawdown_duration[2].map(|d| d.days()), Some(2));
        assert_eq!(eps[1].duration.days(), 3);
        assert_eq!(eps[1].peak_dd, 0.19999999999999996);
        assert_eq!(curve.drawdown_duration[6].map(|d| d.days()), Some(3));
    }
}
