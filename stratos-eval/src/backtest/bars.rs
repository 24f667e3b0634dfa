//! OHLC(V) bars, borrowed and validated.

use stratos_core::frame::Frame;
use stratos_core::timestamp::Timestamp;

use super::error::BacktestError;
use super::period::Period;

/// A validated, borrowed view of OHLC(V) bars: one timestamp and four prices per bar, an
/// optional volume.
///
/// Validation (done once, in [`Bars::new`] and [`Bars::from_frame`]): at least one bar, every
/// column as long as the timestamps, every price finite and > 0, timestamps non-decreasing.
/// Slicing ([`Bars::prefix`], [`Bars::range`]) keeps those guarantees and costs nothing, which
/// is what the look-ahead guard and walk-forward runs rely on.
///
/// # Examples
/// ```
/// use stratos_core::Timestamp;
/// use stratos_eval::backtest::Bars;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let t = vec![Timestamp::parse("2024-01-01")?, Timestamp::parse("2024-01-02")?];
/// let (o, h, l, c) = (vec![10.0, 11.0], vec![11.0, 12.0], vec![9.5, 10.5], vec![10.5, 11.5]);
/// let bars = Bars::new(&t, &o, &h, &l, &c)?;
/// assert_eq!(bars.len(), 2);
/// assert_eq!(bars.prefix(1).close(), &[10.5]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bars<'a> {
    timestamps: &'a [Timestamp],
    open: &'a [f64],
    high: &'a [f64],
    low: &'a [f64],
    close: &'a [f64],
    volume: Option<&'a [f64]>,
}

fn check_prices(column: &str, values: &[f64]) -> Result<(), BacktestError> {
    match values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        Some(bar) => Err(BacktestError::InvalidPrice {
            bar,
            column: column.to_owned(),
            value: values[bar],
        }),
        None => Ok(()),
    }
}

impl<'a> Bars<'a> {
    /// Bars from their columns.
    ///
    /// # Errors
    /// [`BacktestError::Empty`] with no bars; [`BacktestError::Length`] when a column's length
    /// differs from the timestamps'; [`BacktestError::InvalidPrice`] for a NaN, infinite, zero
    /// or negative price (naming the bar and column); [`BacktestError::Unordered`] when a
    /// timestamp is earlier than its predecessor.
    pub fn new(
        timestamps: &'a [Timestamp],
        open: &'a [f64],
        high: &'a [f64],
        low: &'a [f64],
        close: &'a [f64],
    ) -> Result<Self, BacktestError> {
        let n = timestamps.len();
        if n == 0 {
            return Err(BacktestError::Empty);
        }
        for (name, col) in [
            ("open", open),
            ("high", high),
            ("low", low),
            ("close", close),
        ] {
            if col.len() != n {
                return Err(BacktestError::Length {
                    column: name.to_owned(),
                    expected: n,
                    got: col.len(),
                });
            }
            check_prices(name, col)?;
        }
        if let Some(bar) = timestamps.windows(2).position(|w| w[1] < w[0]) {
            return Err(BacktestError::Unordered {
                bar: bar + 1,
                time: timestamps[bar + 1].to_string(),
                previous: timestamps[bar].to_string(),
            });
        }
        Ok(Bars {
            timestamps,
            open,
            high,
            low,
            close,
            volume: None,
        })
    }

    /// The same bars with a volume column (not used by the simulation; kept for reports).
    ///
    /// # Errors
    /// [`BacktestError::Length`] when `volume` is not one value per bar.
    pub fn with_volume(mut self, volume: &'a [f64]) -> Result<Self, BacktestError> {
        if volume.len() != self.len() {
            return Err(BacktestError::Length {
                column: "volume".to_owned(),
                expected: self.len(),
                got: volume.len(),
            });
        }
        self.volume = Some(volume);
        Ok(self)
    }

    /// Bars from a frame's time column and its `open`, `high`, `low`, `close` (and optional
    /// `volume`) columns, names matched case-insensitively (`Open`, `CLOSE`, … as in
    /// backtesting.py's data frames).
    ///
    /// # Errors
    /// [`BacktestError::MissingColumn`] when the frame has no time column or lacks one of the
    /// four price columns; otherwise as [`Bars::new`].
    pub fn from_frame(frame: &'a Frame) -> Result<Self, BacktestError> {
        let find = |name: &str| {
            frame
                .numeric_columns()
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
                .map(|c| c.values.as_slice())
        };
        let missing = |column: &str| BacktestError::MissingColumn {
            column: column.to_owned(),
            available: available(frame),
        };
        let timestamps = frame.timestamps().ok_or_else(|| missing("timestamp"))?;
        let open = find("open").ok_or_else(|| missing("open"))?;
        let high = find("high").ok_or_else(|| missing("high"))?;
        let low = find("low").ok_or_else(|| missing("low"))?;
        let close = find("close").ok_or_else(|| missing("close"))?;
        let bars = Bars::new(timestamps, open, high, low, close)?;
        match find("volume") {
            Some(v) => bars.with_volume(v),
            None => Ok(bars),
        }
    }

    /// Bars from a single numeric column used as open, high, low and close alike (a price
    /// series without OHLC). With the default fill rule an order then fills at the next
    /// value, and stop-loss / take-profit can only trigger on a value itself.
    ///
    /// # Errors
    /// [`BacktestError::MissingColumn`] when the frame has no time column or no numeric column
    /// `field`; otherwise as [`Bars::new`].
    pub fn from_frame_field(frame: &'a Frame, field: &str) -> Result<Self, BacktestError> {
        let missing = |column: &str| BacktestError::MissingColumn {
            column: column.to_owned(),
            available: available(frame),
        };
        let timestamps = frame.timestamps().ok_or_else(|| missing("timestamp"))?;
        let values = frame.column(field).ok_or_else(|| missing(field))?;
        Bars::new(timestamps, values, values, values, values)
    }

    /// The number of bars (always ≥ 1).
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    /// Always false: validated bars are never empty (kept for clippy's `len_without_is_empty`).
    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// The bars' timestamps.
    pub fn timestamps(&self) -> &'a [Timestamp] {
        self.timestamps
    }

    /// Opening prices.
    pub fn open(&self) -> &'a [f64] {
        self.open
    }

    /// Highs.
    pub fn high(&self) -> &'a [f64] {
        self.high
    }

    /// Lows.
    pub fn low(&self) -> &'a [f64] {
        self.low
    }

    /// Closing prices.
    pub fn close(&self) -> &'a [f64] {
        self.close
    }

    /// Volumes, when given.
    pub fn volume(&self) -> Option<&'a [f64]> {
        self.volume
    }

    /// The first `n` bars (bars 0..n), clamped to 1..=len so the result stays valid.
    pub fn prefix(&self, n: usize) -> Bars<'a> {
        self.range(0, n)
    }

    /// The bars whose time lies in `[start, end]` (either bound optional, both inclusive).
    /// For `--start` / `--end` text, read the bounds with [`Period::parse`] (a bare end date
    /// is the whole day) and use [`Bars::within`].
    ///
    /// # Errors
    /// [`BacktestError::NoBarsInPeriod`] when no bar lies in the interval.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::Timestamp;
    /// use stratos_eval::backtest::Bars;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let t: Vec<Timestamp> = (0..5).map(|d| Timestamp::from_epoch_seconds(d * 86_400)).collect::<Result<_, _>>()?;
    /// let c = [1.0, 2.0, 3.0, 4.0, 5.0];
    /// let bars = Bars::new(&t, &c, &c, &c, &c)?;
    /// let mid = bars.between(Some(Timestamp::parse("1970-01-02")?), Some(Timestamp::parse("1970-01-04")?))?;
    /// assert_eq!(mid.close(), &[2.0, 3.0, 4.0]);
    /// # Ok(()) }
    /// ```
    pub fn between(
        &self,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
    ) -> Result<Bars<'a>, BacktestError> {
        self.within(&Period { start, end })
    }

    /// The bars inside `period` ([`Period::rows`]: bars are time-ordered, so exactly those).
    ///
    /// # Errors
    /// [`BacktestError::NoBarsInPeriod`] when no bar lies in the period.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::Timestamp;
    /// use stratos_eval::backtest::{Bars, Period};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Two bars a day, at 00:00 and 12:00.
    /// let t: Vec<Timestamp> = (0..6).map(|h| Timestamp::from_epoch_seconds(h * 43_200)).collect::<Result<_, _>>()?;
    /// let c = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let bars = Bars::new(&t, &c, &c, &c, &c)?;
    /// // A bare end date keeps the whole day.
    /// let kept = bars.within(&Period::parse(Some("1970-01-02"), Some("1970-01-02"))?)?;
    /// assert_eq!(kept.close(), &[3.0, 4.0]);
    /// # Ok(()) }
    /// ```
    pub fn within(&self, period: &Period) -> Result<Bars<'a>, BacktestError> {
        let rows = period.rows(self.timestamps).ok_or_else(|| period.empty())?;
        Ok(self.range(rows.start, rows.end))
    }

    /// Bars `start..end`, clamped so that at least one bar remains.
    pub fn range(&self, start: usize, end: usize) -> Bars<'a> {
        let len = self.len();
        let end = end.clamp(1, len);
        let start = start.min(end - 1);
        Bars {
            timestamps: &self.timestamps[start..end],
            open: &self.open[start..end],
            high: &self.high[start..end],
            low: &self.low[start..end],
            close: &self.close[start..end],
            volume: self.volume.map(|v| &v[start..end]),
        }
    }
}

fn available(frame: &Frame) -> String {
    let names: Vec<&str> = frame
        .numeric_columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(n: usize) -> Vec<Timestamp> {
        (0..n)
            .map(|i| Timestamp::from_epoch_seconds(i as i64 * 86_400).unwrap())
            .collect()
    }

    #[test]
    fn bad_inputs_are_typed_errors_naming_bar_and_column() {
        let t = ts(3);
        let ok = [1.0, 2.0, 3.0];
        assert!(matches!(
            Bars::new(&[], &[], &[], &[], &[]),
            Err(BacktestError::Empty)
        ));
        assert!(matches!(
            Bars::new(&t, &ok, &ok, &ok, &[1.0, 2.0]),
            Err(BacktestError::Length { ref column, expected: 3, got: 2 }) if column == "close"
        ));
        let nan = [1.0, f64::NAN, 3.0];
        let err = Bars::new(&t, &ok, &nan, &ok, &ok).unwrap_err();
        assert!(
            matches!(err, BacktestError::InvalidPrice { bar: 1, ref column, .. } if column == "high")
        );
        let err = Bars::new(&t, &ok, &ok, &[1.0, 0.0, 1.0], &ok).unwrap_err();
        assert_eq!(
            err.to_string(),
            "backtest: bar 1: `low` = 0: expected a finite price > 0"
        );
        let back = [t[1], t[0], t[2]];
        assert!(matches!(
            Bars::new(&back, &ok, &ok, &ok, &ok),
            Err(BacktestError::Unordered { bar: 1, .. })
        ));
        let bars = Bars::new(&t, &ok, &ok, &ok, &ok).unwrap();
        assert!(bars.with_volume(&[1.0]).is_err());
        assert_eq!(bars.prefix(0).len(), 1);
        assert_eq!(bars.range(5, 9).len(), 1);
        assert_eq!(bars.range(1, 3).close(), &[2.0, 3.0]);
    }

    #[test]
    fn from_frame_matches_column_names_case_insensitively() {
        let frame = Frame::builder()
            .timestamps("Date", ts(2))
            .numeric("Open", vec![1.0, 2.0])
            .numeric("High", vec![1.0, 2.0])
            .numeric("Low", vec![1.0, 2.0])
            .numeric("Close", vec![1.5, 2.5])
            .build()
            .unwrap();
        let bars = Bars::from_frame(&frame).unwrap();
        assert_eq!(bars.close(), &[1.5, 2.5]);
        assert!(bars.volume().is_none());
        let bare = Frame::from_values("price", vec![1.0]);
        assert!(matches!(
            Bars::from_frame(&bare),
            Err(BacktestError::MissingColumn { ref column, .. }) if column == "timestamp"
        ));
        let err = Bars::from_frame_field(&frame, "nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "backtest: the input has no `nope` column (numeric columns: Open, High, Low, Close)"
        );
    }
}
