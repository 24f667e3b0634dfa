//! A period of history to backtest or evaluate: `--start` / `--end` as the library reads them.

use std::ops::Range;

use stratos_core::{Frame, Timestamp};

use super::error::BacktestError;

/// A period of time, both bounds inclusive and either optional: the one reading of a
/// `--start` / `--end` pair, shared by [`super::Bars::within`] and [`Period::select`].
///
/// Bounds are read by [`Period::parse`]: any form [`Timestamp::parse`] accepts names the
/// instant it says, except a **bare date** (`YYYY-MM-DD`) **as the end**, which means the
/// whole of that day (up to its last microsecond), so `--end 2016-12-31` keeps the bars of
/// December 31st. A bare date as the start is that day's midnight.
///
/// # Examples
/// ```
/// use stratos_core::Timestamp;
/// use stratos_eval::backtest::Period;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let p = Period::parse(Some("2024-01-02"), Some("2024-01-03"))?;
/// let times: Vec<Timestamp> = ["2024-01-01T12:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T18:00:00Z", "2024-01-04T00:00:00Z"]
///     .iter().map(|t| Timestamp::parse(t)).collect::<Result<_, _>>()?;
/// assert_eq!(p.rows(&times), Some(1..3));
/// // A time of day as the end is that instant.
/// let p = Period::parse(None, Some("2024-01-03T12:00:00Z"))?;
/// assert_eq!(p.rows(&times), Some(0..2));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Period {
    /// The first instant kept, if bounded.
    pub start: Option<Timestamp>,
    /// The last instant kept, if bounded.
    pub end: Option<Timestamp>,
}

/// Microseconds in a day, less one: a bare end date's last instant.
const DAY_LAST_MICRO: i64 = 86_400_000_000 - 1;

impl Period {
    /// Reads `start` and `end` as described on [`Period`].
    ///
    /// # Errors
    /// [`BacktestError::PeriodBound`] for text that is no timestamp (naming the bound).
    pub fn parse(start: Option<&str>, end: Option<&str>) -> Result<Period, BacktestError> {
        let read = |bound: &'static str, text: &str| {
            Timestamp::parse(text).map_err(|source| BacktestError::PeriodBound { bound, source })
        };
        let start = start.map(|s| read("start", s)).transpose()?;
        let end = match end {
            Some(text) => {
                let t = read("end", text)?;
                Some(if is_bare_date(text) {
                    Timestamp::from_micros(t.micros().saturating_add(DAY_LAST_MICRO)).unwrap_or(t)
                } else {
                    t
                })
            }
            None => None,
        };
        Ok(Period { start, end })
    }

    /// True when neither bound is set.
    pub fn is_unbounded(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    /// True when `t` lies in the period.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|e| t <= e)
    }

    /// The rows from the first to the last timestamp inside the period (time-ordered input
    /// gives exactly the rows inside it); `None` when no row lies in it.
    pub fn rows(&self, times: &[Timestamp]) -> Option<Range<usize>> {
        let first = times.iter().position(|&t| self.contains(t))?;
        let last = times.iter().rposition(|&t| self.contains(t))?;
        Some(first..last + 1)
    }

    /// The frame's rows in the period ([`Period::rows`]), every column kept; the frame itself
    /// when the period is unbounded.
    ///
    /// # Errors
    /// [`BacktestError::MissingColumn`] for a bounded period over a frame with no time
    /// column; [`BacktestError::NoBarsInPeriod`] when no row lies in the period.
    pub fn select(&self, frame: &Frame) -> Result<Frame, BacktestError> {
        if self.is_unbounded() {
            return Ok(frame.clone());
        }
        let Some(times) = frame.timestamps() else {
            return Err(BacktestError::MissingColumn {
                column: "timestamp".to_owned(),
                available: frame
                    .numeric_columns()
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let rows = self.rows(times).ok_or_else(|| self.empty())?;
        frame
            .select_rows(&rows.collect::<Vec<_>>())
            .map_err(|e| BacktestError::signal("period", e))
    }

    /// The error for a period that holds no bar.
    pub(crate) fn empty(&self) -> BacktestError {
        let show = |t: Option<Timestamp>, open: &str| t.map_or(open.to_owned(), |t| t.to_string());
        BacktestError::NoBarsInPeriod {
            start: show(self.start, "the start"),
            end: show(self.end, "the end"),
        }
    }
}

/// `YYYY-MM-DD` and nothing else (an epoch number of ten digits is not a date).
fn is_bare_date(text: &str) -> bool {
    let b = text.trim().as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn a_bare_end_date_is_the_whole_day_and_other_forms_are_instants() {
        let p = Period::parse(Some("2016-01-01"), Some("2016-12-31")).unwrap();
        assert_eq!(p.start, Some(t("2016-01-01T00:00:00Z")));
        assert_eq!(p.end, Some(t("2016-12-31T23:59:59.999999Z")));
        assert!(p.contains(t("2016-12-31T23:00:00Z")));
        assert!(!p.contains(t("2017-01-01T00:00:00Z")));
        let p = Period::parse(None, Some("2016-12-31 12:00:00")).unwrap();
        assert_eq!(p.end, Some(t("2016-12-31T12:00:00Z")));
        // Ten digits of epoch seconds are an instant, not a date.
        let p = Period::parse(None, Some("1700000000")).unwrap();
        assert_eq!(
            p.end,
            Some(Timestamp::from_epoch_seconds(1_700_000_000).unwrap())
        );
        assert!(is_bare_date(" 2016-12-31 "));
        assert!(!is_bare_date("2016/12/31"));
    }

    #[test]
    fn bad_bounds_and_empty_periods_are_errors() {
        let e = Period::parse(Some("yesterday"), None).unwrap_err();
        assert!(
            matches!(e, BacktestError::PeriodBound { bound: "start", .. }),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
        let frame = Frame::builder()
            .timestamps("date", vec![t("2020-01-01"), t("2020-01-02")])
            .numeric("close", vec![1.0, 2.0])
            .build()
            .unwrap();
        let p = Period::parse(Some("2021-01-01"), None).unwrap();
        let e = p.select(&frame).unwrap_err();
        assert_eq!(
            e.to_string(),
            "backtest: no bars between 2021-01-01T00:00:00Z and the end"
        );
        let p = Period::parse(None, Some("2020-01-01")).unwrap();
        assert_eq!(p.select(&frame).unwrap().column("close"), Some(&[1.0][..]));
        let no_time = Frame::from_values("close", vec![1.0]);
        assert!(matches!(
            p.select(&no_time),
            Err(BacktestError::MissingColumn { .. })
        ));
        assert_eq!(Period::default().select(&no_time).unwrap(), no_time);
    }
}
