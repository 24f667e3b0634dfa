//! Typing one spreadsheet cell: its class, number, time or text.

use super::*;

/// Excel's largest date serial (9999-12-31 is below it).
pub(super) const MAX_SERIAL: f64 = 2_958_466.0;

/// What one cell holds, for typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Empty,
    Number,
    Date,
    Text,
}

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Time,
    Numeric,
    Category,
}

/// True for a cell with nothing in it (blank text included).
pub(super) fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

pub(super) fn classify(d: &Data) -> Class {
    match d {
        Data::Empty | Data::Error(_) => Class::Empty,
        Data::Int(_) | Data::Float(_) | Data::Bool(_) => Class::Number,
        Data::DateTime(dt) if dt.is_datetime() => Class::Date,
        Data::DateTime(_) => Class::Number,
        Data::DateTimeIso(s) => {
            if Timestamp::parse(s.trim()).is_ok() {
                Class::Date
            } else {
                Class::Text
            }
        }
        Data::DurationIso(_) => Class::Text,
        Data::String(s) => match cell::parse_number(s.as_bytes()) {
            Number::Missing => Class::Empty,
            Number::Value(_) => Class::Number,
            Number::Bad => Class::Text,
        },
    }
}

/// A cell's number (NaN for empty, error and missing cells; days for a duration).
pub(super) fn number(d: &Data) -> f64 {
    match d {
        Data::Int(i) => *i as f64,
        Data::Float(f) => *f,
        Data::Bool(b) => f64::from(u8::from(*b)),
        Data::DateTime(dt) => dt.as_f64(),
        Data::String(s) => match cell::parse_number(s.as_bytes()) {
            Number::Value(v) => v,
            _ => f64::NAN,
        },
        _ => f64::NAN,
    }
}

/// The timestamp of an Excel date/time.
pub(super) fn excel_time(dt: &ExcelDateTime) -> Option<Timestamp> {
    let v = dt.as_f64();
    if !v.is_finite() || !(0.0..MAX_SERIAL).contains(&v) {
        return None;
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    Timestamp::from_civil(
        i64::from(y),
        i64::from(mo),
        i64::from(d),
        i64::from(h),
        i64::from(mi),
        i64::from(s),
        i64::from(ms) * 1_000,
    )
    .ok()
}

/// The timestamp of a cell in the time column.
pub(super) fn time_of(d: &Data) -> Option<Timestamp> {
    match d {
        Data::DateTime(dt) => excel_time(dt),
        Data::DateTimeIso(s) => Timestamp::parse(s.trim()).ok(),
        Data::String(s) => Timestamp::parse(s.trim()).ok(),
        Data::Int(_) | Data::Float(_) => {
            let v = number(d);
            if (0.0..MAX_SERIAL).contains(&v) {
                excel_time(&ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false))
            } else {
                Timestamp::from_epoch_number(v).ok()
            }
        }
        _ => None,
    }
}

/// A cell as text, for category columns (`None` when empty).
pub(super) fn text(d: &Data) -> Option<String> {
    match d {
        Data::Empty | Data::Error(_) => None,
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) => Some(s.clone()),
        Data::DateTime(dt) if dt.is_datetime() => excel_time(dt)
            .map(|t| t.to_string())
            .or_else(|| Some(dt.as_f64().to_string())),
        other => Some(other.to_string()),
    }
}
