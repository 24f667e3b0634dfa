//! The one input path from a frame to the series a strategy analyses, shared by the library
//! ([`crate::Registry::build`]'s strategies apply it in `execute`) and the CLI (which calls the
//! same functions to print the notes):
//!
//! 1. **Time order** ([`time_order`]): rows out of time order are sorted stably by time.
//!    Duplicate timestamps are kept, in file order (a stable sort never reorders rows with the
//!    same time), and analysed as consecutive points.
//! 2. **Streams** ([`stream_groups`]): a frame with a stream column (see
//!    [`Frame::stream_field`]) holding two or more streams is analysed per stream.
//! 3. **Field choice** ([`choose_fields`]): the configured field (`data_field`, or `fields`);
//!    else `close`, `price` or `value`; else the only numeric field; else, for anomaly and trend
//!    strategies, every numeric field (one finding per field); else an error listing the
//!    numeric fields. A configured name matches case-insensitively when exactly one field does.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, FrameError};
use crate::frame::{Frame, FrameGroup};
use crate::schema::{MAIN_VALUE_FIELDS, Schema};
use crate::timestamp::Timestamp;

/// The note printed when a newest-first input was sorted.
pub const NEWEST_FIRST_NOTE: &str = "input was newest-first; sorted";
/// The note printed when an input in no time order was sorted.
pub const UNORDERED_NOTE: &str = "input was not in time order; sorted stably by time";

/// A frame in time order, with what was done to it.
#[derive(Debug, Clone)]
pub struct Ordered<'a> {
    /// The frame, sorted when it was not in order (borrowed otherwise).
    pub frame: Cow<'a, Frame>,
    /// One line saying the input was sorted, or `None` when it already was in order.
    pub note: Option<&'static str>,
}

/// Puts `frame` in time order: unchanged when its timestamps never decrease (or it has none),
/// else sorted stably by time (rows with the same time keep their file order), with a note
/// saying so ([`NEWEST_FIRST_NOTE`] when the times never increased).
///
/// # Errors
/// [`FrameError`] only if the frame is inconsistent (cannot happen for a built frame).
///
/// # Examples
/// ```
/// use stratos_core::{Frame, Timestamp, prepare};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ts = [3, 2, 1].map(Timestamp::from_epoch_seconds).into_iter().collect::<Result<Vec<_>, _>>()?;
/// let frame = Frame::builder().timestamps("t", ts).numeric("price", vec![3.0, 2.0, 1.0]).build()?;
/// let ordered = prepare::time_order(&frame)?;
/// assert_eq!(ordered.note, Some(prepare::NEWEST_FIRST_NOTE));
/// assert_eq!(ordered.frame.column("price"), Some(&[1.0, 2.0, 3.0][..]));
/// # Ok(()) }
/// ```
pub fn time_order(frame: &Frame) -> Result<Ordered<'_>, FrameError> {
    let Some(ts) = frame.timestamps() else {
        return Ok(Ordered {
            frame: Cow::Borrowed(frame),
            note: None,
        });
    };
    if ts.windows(2).all(|w| w[0] <= w[1]) {
        return Ok(Ordered {
            frame: Cow::Borrowed(frame),
            note: None,
        });
    }
    let newest_first = ts.windows(2).all(|w| w[0] >= w[1]);
    let mut rows: Vec<usize> = (0..ts.len()).collect();
    // Stable: equal times keep file order.
    rows.sort_by_key(|&r| ts.get(r).copied());
    let sorted = frame.select_rows(&rows)?;
    Ok(Ordered {
        frame: Cow::Owned(sorted),
        note: Some(if newest_first {
            NEWEST_FIRST_NOTE
        } else {
            UNORDERED_NOTE
        }),
    })
}

/// [`time_order`] for an owned frame: the frame itself when already in order (no copy).
///
/// # Errors
/// As [`time_order`].
pub fn into_time_order(frame: Frame) -> Result<(Frame, Option<&'static str>), FrameError> {
    let sorted = match time_order(&frame)? {
        Ordered {
            frame: Cow::Owned(f),
            note,
        } => Some((f, note)),
        Ordered { .. } => None,
    };
    Ok(sorted.unwrap_or((frame, None)))
}

/// The streams to analyse one by one, or `None` to analyse `frame` as one series.
///
/// With `field` given (the CLI's `--stream-field`), the frame is split by that column even when
/// it holds one stream. Without it, the stream column found by name ([`Frame::stream_field`])
/// splits the frame only when it holds two or more streams.
///
/// # Errors
/// [`FrameError::MissingColumn`] when `field` names no column.
pub fn stream_groups(
    frame: &Frame,
    field: Option<&str>,
) -> Result<Option<Vec<FrameGroup>>, FrameError> {
    let (field, explicit) = match field {
        Some(f) => (f, true),
        None => match frame.stream_field() {
            Some(f) => (f, false),
            None => return Ok(None),
        },
    };
    if !explicit && frame.group_rows(field)?.len() < 2 {
        return Ok(None);
    }
    frame.split_by(field).map(Some)
}

/// `frame` without its stream column (found by name, [`Frame::stream_field`]), so that
/// strategies built by [`crate::Registry::build`] analyse it as one series (the CLI's
/// `--no-streams`). A frame without one is returned as is.
///
/// # Errors
/// [`FrameError`] only if the frame is inconsistent.
pub fn as_one_series(frame: Frame) -> Result<Frame, FrameError> {
    let Some(field) = frame.stream_field().map(str::to_owned) else {
        return Ok(frame);
    };
    let mut b = Frame::builder();
    if let (Some(name), Some(ts)) = (&frame.schema().timestamp_field, frame.timestamps()) {
        b = b.timestamps(name.clone(), ts.to_vec());
    }
    for c in frame.numeric_columns().iter().filter(|c| c.name != field) {
        b = b.numeric(c.name.clone(), c.values.clone());
    }
    for c in frame
        .category_columns()
        .iter()
        .filter(|c| c.name() != field)
    {
        b = b.category(c.clone());
    }
    for (k, v) in &frame.schema().units {
        if *k != field {
            b = b.unit(k.clone(), v.clone());
        }
    }
    b.build()
}

/// What a strategy should read from an input, per [`choose_fields`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldChoice {
    /// Leave the config as it is: it names an existing field, or the input has a main field
    /// (`close`, `price`, `value`, or a single numeric field), or the strategy reads none.
    AsConfigured,
    /// The config named fields in another letter case: these are the input's own names.
    Renamed(Vec<String>),
    /// No field named and several candidates: analyse every one of these.
    Every(Vec<String>),
}

/// Matches `name` against `fields`: exactly, else case-insensitively when exactly one field
/// matches that way.
pub fn match_field<'a>(name: &str, fields: &'a [String]) -> Option<&'a str> {
    if let Some(f) = fields.iter().find(|f| *f == name) {
        return Some(f);
    }
    let mut found = fields.iter().filter(|f| f.eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (Some(f), None) => Some(f),
        _ => None,
    }
}

/// Decides which numeric fields of `schema` a strategy reads, given the fields its config
/// names (`configured`: its `data_field`, or its `fields`; empty when it names none).
/// `many` says whether the strategy can analyse every field (anomaly and trend strategies).
///
/// # Errors
/// [`ConfigError::MissingField`] when a configured field is absent, or when no field is named,
/// the input has no main field and several numeric fields, and `many` is false: the message
/// lists the numeric fields to choose from.
pub fn choose_fields(
    strategy: &str,
    configured: &[String],
    schema: &Schema,
    many: bool,
) -> Result<FieldChoice, ConfigError> {
    let fields = &schema.value_fields;
    let available = || {
        if fields.is_empty() {
            "none".to_owned()
        } else {
            fields.join(", ")
        }
    };
    if !configured.is_empty() {
        let mut renamed = Vec::with_capacity(configured.len());
        for name in configured {
            match match_field(name, fields) {
                Some(f) => renamed.push(f.to_owned()),
                None => {
                    return Err(ConfigError::MissingField {
                        strategy: strategy.to_owned(),
                        field: name.clone(),
                        available: available(),
                    });
                }
            }
        }
        return Ok(if renamed.as_slice() == configured {
            FieldChoice::AsConfigured
        } else {
            FieldChoice::Renamed(renamed)
        });
    }
    let has_main = MAIN_VALUE_FIELDS
        .iter()
        .any(|want| fields.iter().any(|f| f.eq_ignore_ascii_case(want)));
    if has_main || fields.len() <= 1 {
        return Ok(FieldChoice::AsConfigured);
    }
    if many {
        return Ok(FieldChoice::Every(fields.clone()));
    }
    Err(ConfigError::MissingField {
        strategy: strategy.to_owned(),
        field: "data_field (no close/price/value field; name one with data_field or --field)"
            .to_owned(),
        available: available(),
    })
}

/// The seed's `rebalancingFrequency` (hybrid strategies): how often a backtest recomputes the
/// signal and moves the position to it. A backtest of `hybrid_arima_ma` or `arima_prediction`
/// with it refits on the first bar of each period (hour, UTC day, ISO week starting Monday,
/// month, quarter, year) and trades only then; in a single run, which gives the latest bar's
/// signal, it changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rebalance {
    /// Every hour.
    Hourly,
    /// Every UTC day.
    Daily,
    /// Every ISO week (Monday to Sunday, UTC).
    Weekly,
    /// Every calendar month.
    Monthly,
    /// Every calendar quarter.
    Quarterly,
    /// Every calendar year.
    Yearly,
}

/// The values [`Rebalance::from_value`] accepts.
pub const REBALANCE_VALUES: &str =
    "\"hourly\", \"daily\", \"weekly\", \"monthly\", \"quarterly\" or \"yearly\"";

impl Rebalance {
    /// Reads the seed's spelling, case-insensitively (`"daily"`, `"Weekly"`, `"annually"`).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] (key `rebalancingFrequency`, naming `strategy`) for anything
    /// else, listing [`REBALANCE_VALUES`].
    ///
    /// # Examples
    /// ```
    /// use stratos_core::prepare::Rebalance;
    /// let daily = Rebalance::from_value("hybrid_arima_ma", &serde_json::json!("Daily")).unwrap();
    /// assert_eq!(daily, Rebalance::Daily);
    /// assert!(Rebalance::from_value("hybrid_arima_ma", &serde_json::json!("often")).is_err());
    /// ```
    pub fn from_value(strategy: &str, value: &serde_json::Value) -> Result<Self, ConfigError> {
        let text = value.as_str().unwrap_or_default().to_ascii_lowercase();
        Ok(match text.as_str() {
            "hourly" => Rebalance::Hourly,
            "daily" => Rebalance::Daily,
            "weekly" => Rebalance::Weekly,
            "monthly" => Rebalance::Monthly,
            "quarterly" => Rebalance::Quarterly,
            "yearly" | "annually" => Rebalance::Yearly,
            _ => {
                return Err(ConfigError::Invalid {
                    strategy: strategy.to_owned(),
                    field: "rebalancingFrequency".to_owned(),
                    value: value.to_string(),
                    expected: REBALANCE_VALUES.to_owned(),
                });
            }
        })
    }

    /// The number of the period holding `t` (UTC): two times are in the same period exactly
    /// when their numbers are equal.
    pub fn period(self, t: Timestamp) -> i64 {
        const HOUR: i64 = 3_600_000_000;
        const DAY: i64 = 24 * HOUR;
        let days = t.micros().div_euclid(DAY);
        let month = || {
            let (y, m, _) = crate::timestamp::civil_from_days(days);
            (y, m)
        };
        match self {
            Rebalance::Hourly => t.micros().div_euclid(HOUR),
            Rebalance::Daily => days,
            // 1970-01-01 was a Thursday: day 4 is the first Monday.
            Rebalance::Weekly => (days - 4).div_euclid(7),
            Rebalance::Monthly => {
                let (y, m) = month();
                y * 12 + m
            }
            Rebalance::Quarterly => {
                let (y, m) = month();
                y * 4 + (m - 1) / 3
            }
            Rebalance::Yearly => month().0,
        }
    }

    /// Whether row `i` of `times` starts a period: the first row, and every row whose period
    /// differs from the row before's.
    pub fn starts_period(self, times: &[Timestamp], i: usize) -> bool {
        match (i.checked_sub(1).and_then(|p| times.get(p)), times.get(i)) {
            (Some(prev), Some(cur)) => self.period(*prev) != self.period(*cur),
            (None, Some(_)) => true,
            (_, None) => false,
        }
    }
}

impl std::fmt::Display for Rebalance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rebalance::Hourly => "hourly",
            Rebalance::Daily => "daily",
            Rebalance::Weekly => "weekly",
            Rebalance::Monthly => "monthly",
            Rebalance::Quarterly => "quarterly",
            Rebalance::Yearly => "yearly",
        })
    }
}

/// A request as the seed's REST API writes it, with the optional `historical_data_filter`:
/// `{"strategy_id": "arima_prediction", "config": {…}, "historical_data_filter":
/// {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-01-15T23:59:59Z"}}`. Run it with
/// [`crate::Registry::execute_request`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecuteRequest {
    /// Which strategy.
    pub strategy_id: String,
    /// Its config; missing or `null` means all defaults.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Only the rows in this period are analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub historical_data_filter: Option<HistoricalDataFilter>,
}

/// The seed's `historical_data_filter`: the period of rows to analyse, both ends inclusive;
/// a bare end date (`2025-01-15`) includes that whole day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoricalDataFilter {
    /// The first instant kept (RFC 3339 or `YYYY-MM-DD`).
    #[serde(default)]
    pub start_date: Option<String>,
    /// The last instant kept.
    #[serde(default)]
    pub end_date: Option<String>,
}

impl HistoricalDataFilter {
    /// The rows of `frame` inside the period.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] (naming `strategy`) for a bound that is no timestamp, or an
    /// input without a time column when a bound is given.
    pub fn select(&self, strategy: &str, frame: &Frame) -> Result<Frame, ConfigError> {
        let bad = |field: &str, value: &str, expected: &str| ConfigError::Invalid {
            strategy: strategy.to_owned(),
            field: format!("historical_data_filter.{field}"),
            value: format!("{value:?}"),
            expected: expected.to_owned(),
        };
        let read = |field: &str, text: &str| {
            Timestamp::parse(text).map_err(|_| bad(field, text, "a date or RFC 3339 time"))
        };
        let start = self
            .start_date
            .as_deref()
            .map(|t| read("start_date", t))
            .transpose()?;
        let end = match self.end_date.as_deref() {
            Some(text) => {
                let t = read("end_date", text)?;
                let bare = text.len() == 10 && !text.contains(['T', ' ']);
                Some(if bare {
                    Timestamp::from_micros(t.micros().saturating_add(86_400_000_000 - 1))
                        .unwrap_or(t)
                } else {
                    t
                })
            }
            None => None,
        };
        if start.is_none() && end.is_none() {
            return Ok(frame.clone());
        }
        let Some(ts) = frame.timestamps() else {
            return Err(bad(
                "start_date",
                self.start_date.as_deref().unwrap_or(""),
                "an input with a time column",
            ));
        };
        let rows: Vec<usize> = ts
            .iter()
            .enumerate()
            .filter(|(_, t)| start.is_none_or(|s| **t >= s) && end.is_none_or(|e| **t <= e))
            .map(|(i, _)| i)
            .collect();
        frame.select_rows(&rows).map_err(|e| ConfigError::Parse {
            strategy: strategy.to_owned(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebalance_periods_start_on_calendar_boundaries() {
        let t = |y, m, d, h| Timestamp::from_civil(y, m, d, h, 0, 0, 0).unwrap();
        // 2024-03-31 is a Sunday, 2024-04-01 a Monday.
        let times = [
            t(2024, 3, 30, 10),
            t(2024, 3, 31, 10),
            t(2024, 3, 31, 11),
            t(2024, 4, 1, 9),
            t(2024, 7, 1, 9),
            t(2025, 1, 2, 9),
        ];
        let starts = |r: Rebalance| -> Vec<usize> {
            (0..times.len())
                .filter(|&i| r.starts_period(&times, i))
                .collect()
        };
        assert_eq!(starts(Rebalance::Hourly), [0, 1, 2, 3, 4, 5]);
        assert_eq!(starts(Rebalance::Daily), [0, 1, 3, 4, 5]);
        assert_eq!(starts(Rebalance::Weekly), [0, 3, 4, 5]);
        assert_eq!(starts(Rebalance::Monthly), [0, 3, 4, 5]);
        assert_eq!(starts(Rebalance::Quarterly), [0, 3, 4, 5]);
        assert_eq!(starts(Rebalance::Yearly), [0, 5]);
        assert!(!Rebalance::Daily.starts_period(&times, 6));
        let e = Rebalance::from_value("h", &serde_json::json!(7)).unwrap_err();
        assert!(e.to_string().contains("\"daily\""), "{e}");
    }
    use crate::{CategoryColumn, Timestamp};

    fn secs(s: &[i64]) -> Vec<Timestamp> {
        s.iter()
            .map(|&x| Timestamp::from_epoch_seconds(x).unwrap())
            .collect()
    }

    fn schema(fields: &[&str]) -> Schema {
        Schema {
            value_fields: fields.iter().map(|s| s.to_string()).collect(),
            ..Schema::default()
        }
    }

    #[test]
    fn sorted_input_is_borrowed_and_unordered_input_sorted_stably() {
        let ts = secs(&[1, 2, 2, 3]);
        let f = Frame::builder()
            .timestamps("t", ts)
            .numeric("v", vec![1.0, 2.0, 3.0, 4.0])
            .build()
            .unwrap();
        let o = time_order(&f).unwrap();
        assert!(matches!(o.frame, Cow::Borrowed(_)));
        assert_eq!(o.note, None);

        let ts = secs(&[3, 1, 2, 1]);
        let f = Frame::builder()
            .timestamps("t", ts)
            .numeric("v", vec![30.0, 10.0, 20.0, 11.0])
            .build()
            .unwrap();
        let o = time_order(&f).unwrap();
        assert_eq!(o.note, Some(UNORDERED_NOTE));
        // The two rows at t=1 keep their file order.
        assert_eq!(o.frame.column("v"), Some(&[10.0, 11.0, 20.0, 30.0][..]));
    }

    #[test]
    fn streams_split_only_when_two_or_more() {
        let mut s = CategoryColumn::new("stream_id");
        for k in ["a", "a"] {
            s.push(Some(k));
        }
        let f = Frame::builder()
            .numeric("v", vec![1.0, 2.0])
            .category(s)
            .build()
            .unwrap();
        assert!(stream_groups(&f, None).unwrap().is_none());
        assert_eq!(
            stream_groups(&f, Some("stream_id")).unwrap().unwrap().len(),
            1
        );
        assert!(stream_groups(&f, Some("nope")).is_err());
    }

    #[test]
    fn field_choice_rules() {
        let s = schema(&["Temperature", "power_draw"]);
        assert_eq!(
            choose_fields("x", &["temperature".into()], &s, false).unwrap(),
            FieldChoice::Renamed(vec!["Temperature".into()])
        );
        assert_eq!(
            choose_fields("x", &["power_draw".into()], &s, false).unwrap(),
            FieldChoice::AsConfigured
        );
        assert!(choose_fields("x", &["rpm".into()], &s, true).is_err());
        assert_eq!(
            choose_fields("x", &[], &s, true).unwrap(),
            FieldChoice::Every(vec!["Temperature".into(), "power_draw".into()])
        );
        let e = choose_fields("x", &[], &s, false).unwrap_err().to_string();
        assert!(e.contains("Temperature, power_draw"), "{e}");
        assert_eq!(
            choose_fields("x", &[], &schema(&["open", "Close"]), false).unwrap(),
            FieldChoice::AsConfigured
        );
        assert_eq!(
            choose_fields("x", &[], &schema(&["only"]), false).unwrap(),
            FieldChoice::AsConfigured
        );
        // Ambiguous case-insensitive match: refused.
        let s = schema(&["a", "A"]);
        assert!(choose_fields("x", &["Ä".into()], &s, false).is_err());
        assert!(match_field("A", &s.value_fields).is_some());
    }
}
