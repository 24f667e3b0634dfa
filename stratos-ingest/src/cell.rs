//! Cell-level parsing from raw bytes: missing tokens, numbers and timestamps.
//!
//! These functions decide column types (in [`crate::frame_builder`]) and parse every cell of a
//! typed column, so inference and parsing can never disagree.

use stratos_core::Timestamp;
use stratos_core::timestamp::TimestampParser;

/// Cell texts read as missing (NaN in numeric columns, no value in text columns), after
/// trimming ASCII whitespace. The empty cell is missing too.
pub const MISSING_TOKENS: [&str; 8] = ["NA", "N/A", "NaN", "nan", "null", "NULL", "-", "None"];

/// Column names that mark a time column (compared case-insensitively, after trimming).
pub const TIME_COLUMN_NAMES: [&str; 6] = ["timestamp", "time", "ts", "date", "datetime", "epoch"];

/// True when a column's name says it holds time.
pub(crate) fn is_time_name(name: &str) -> bool {
    let name = name.trim();
    TIME_COLUMN_NAMES
        .iter()
        .any(|t| name.eq_ignore_ascii_case(t))
}

/// True for an empty cell or a missing token; `trimmed` has no surrounding whitespace.
#[inline]
pub(crate) fn is_missing(trimmed: &[u8]) -> bool {
    match trimmed.first() {
        None => true,
        Some(b'N' | b'n' | b'-') => MISSING_TOKENS.iter().any(|t| t.as_bytes() == trimmed),
        Some(_) => false,
    }
}

/// What a cell of a numeric column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// A number.
    Value(f64),
    /// An empty cell or missing token (stored as NaN).
    Missing,
    /// Anything else.
    Bad,
}

/// Parses a numeric cell: surrounding ASCII whitespace is ignored; anything Rust's `f64`
/// parser accepts is a number (including `inf`); missing tokens are [`Number::Missing`].
#[inline]
pub(crate) fn parse_number(cell: &[u8]) -> Number {
    let t = cell.trim_ascii();
    if let Some(v) = fast_decimal(t) {
        return Number::Value(v);
    }
    if is_missing(t) {
        return Number::Missing;
    }
    match std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        Some(v) => Number::Value(v),
        None => Number::Bad,
    }
}

/// Exact powers of ten representable in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Clinger's fast path for plain decimals (`-12.345`): with a mantissa below 2^53 and at most
/// 22 fraction digits, both operands of the division are exact and IEEE division rounds
/// correctly, so the result equals `str::parse::<f64>`. Anything else returns `None` and goes
/// through the standard parser.
#[inline]
fn fast_decimal(b: &[u8]) -> Option<f64> {
    let (neg, body) = match b.first()? {
        b'-' => (true, b.get(1..)?),
        b'+' => (false, b.get(1..)?),
        _ => (false, b),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0u32;
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    for &c in body {
        match c {
            b'0'..=b'9' => {
                if digits >= 19 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
                digits += 1;
                frac_digits += usize::from(seen_dot);
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if digits == 0 || mantissa > (1u64 << 53) {
        return None;
    }
    let pow = POW10.get(frac_digits)?;
    // `mantissa` is at most 2^53, so the conversion is exact.
    let v = mantissa as f64 / pow;
    Some(if neg { -v } else { v })
}

/// What a cell of a time column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Time {
    /// A timestamp.
    Value(Timestamp),
    /// An empty cell or missing token.
    Missing,
    /// Anything else (including a calendar form with an invalid date).
    Bad,
}

/// Parses timestamp cells, caching the last calendar date so that runs of RFC 3339 stamps on
/// the same day cost a few comparisons each.
///
/// The rule is [`Timestamp::parse_bytes`] restricted to calendar forms, plus integer epoch
/// seconds/milliseconds when `allow_epoch` is set (columns whose name says time); the fast
/// path gives identical results for the shapes it accepts (a property test says so).
#[derive(Debug, Clone, Default)]
pub(crate) struct TimeParser {
    /// The same-day cache of core's parser.
    cached: TimestampParser,
}

impl TimeParser {
    /// Parses one cell.
    #[inline]
    pub(crate) fn parse(&mut self, cell: &[u8], allow_epoch: bool) -> Time {
        if let Some(t) = self.fast(cell) {
            return Time::Value(t);
        }
        let t = cell.trim_ascii();
        if is_missing(t) {
            return Time::Missing;
        }
        if Timestamp::looks_like_calendar(t) || (allow_epoch && is_integer(t)) {
            match Timestamp::parse_bytes(t) {
                Ok(ts) => Time::Value(ts),
                Err(_) => Time::Bad,
            }
        } else {
            Time::Bad
        }
    }

    #[inline]
    fn fast(&mut self, b: &[u8]) -> Option<Timestamp> {
        self.cached.parse_fast(b)
    }
}

/// An optionally signed run of ASCII digits.
pub(crate) fn is_integer(t: &[u8]) -> bool {
    let body = match t.first() {
        Some(b'-' | b'+') => t.get(1..).unwrap_or_default(),
        _ => t,
    };
    !body.is_empty() && body.iter().all(u8::is_ascii_digit)
}

/// True when the cell looks like a value rather than a column name: a number, a calendar
/// timestamp or a missing token. Used by header sniffing.
pub(crate) fn is_value_like(cell: &[u8]) -> bool {
    let t = cell.trim_ascii();
    is_missing(t)
        || matches!(parse_number(t), Number::Value(_))
        || Timestamp::looks_like_calendar(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference_time(cell: &[u8], allow_epoch: bool) -> Time {
        let t = cell.trim_ascii();
        if is_missing(t) {
            return Time::Missing;
        }
        if Timestamp::looks_like_calendar(t) || (allow_epoch && is_integer(t)) {
            Timestamp::parse_bytes(t).map_or(Time::Bad, Time::Value)
        } else {
            Time::Bad
        }
    }

    #[test]
    fn missing_tokens() {
        for t in MISSING_TOKENS {
            assert!(is_missing(t.as_bytes()), "{t}");
            assert_eq!(parse_number(format!(" {t} ").as_bytes()), Number::Missing);
        }
        assert!(is_missing(b""));
        assert!(!is_missing(b"n"));
        assert!(!is_missing(b"--"));
        assert_eq!(parse_number(b""), Number::Missing);
        assert_eq!(parse_number(b"   "), Number::Missing);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(b"12.5"), Number::Value(12.5));
        assert_eq!(parse_number(b" -0.25 "), Number::Value(-0.25));
        assert_eq!(parse_number(b"1e3"), Number::Value(1000.0));
        assert_eq!(parse_number(b"+7"), Number::Value(7.0));
        assert_eq!(parse_number(b".5"), Number::Value(0.5));
        assert_eq!(parse_number(b"inf"), Number::Value(f64::INFINITY));
        assert_eq!(parse_number(b"abc"), Number::Bad);
        assert_eq!(parse_number(b"1.2.3"), Number::Bad);
        assert_eq!(parse_number(b"."), Number::Bad);
        assert_eq!(parse_number(b"12%"), Number::Bad);
        assert_eq!(parse_number(&[0xff, b'1']), Number::Bad);
        match parse_number(b"-0") {
            Number::Value(v) => assert!(v == 0.0 && v.is_sign_negative()),
            other => panic!("{other:?}"),
        }
        // Past the fast path's limits: 20 digits, 23 fraction digits.
        assert_eq!(
            parse_number(b"12345678901234567890"),
            Number::Value(12_345_678_901_234_567_890.0)
        );
        assert_eq!(
            parse_number(b"0.12345678901234567890123"),
            Number::Value(0.123_456_789_012_345_68)
        );
    }

    #[test]
    fn time_names() {
        for n in ["timestamp", "TIME", " ts ", "Date", "DateTime", "epoch"] {
            assert!(is_time_name(n), "{n}");
        }
        for n in ["timestamps", "value", "", "stamp"] {
            assert!(!is_time_name(n), "{n}");
        }
    }

    #[test]
    fn time_cells() {
        let mut p = TimeParser::default();
        let t = Timestamp::parse("2025-01-15T10:30:00Z").unwrap();
        assert_eq!(p.parse(b"2025-01-15T10:30:00Z", false), Time::Value(t));
        assert_eq!(p.parse(b"2025-01-15 10:30:00", false), Time::Value(t));
        assert_eq!(p.parse(b"2025-01-15T11:30:00+01:00", false), Time::Value(t));
        assert_eq!(p.parse(b" 2025-01-15T10:30:00Z ", false), Time::Value(t));
        assert_eq!(p.parse(b"1736937000", true), Time::Value(t));
        assert_eq!(p.parse(b"1736937000", false), Time::Bad);
        assert_eq!(p.parse(b"1736937000.5", true), Time::Bad);
        assert_eq!(p.parse(b"2025-02-30", false), Time::Bad);
        assert_eq!(p.parse(b"2025-01-15T24:00:00Z", false), Time::Bad);
        assert_eq!(p.parse(b"NA", false), Time::Missing);
        assert_eq!(TimeParser::default().parse(&[0; 10], true), Time::Bad);
        assert_eq!(p.parse(b"", true), Time::Missing);
        assert_eq!(
            p.parse(b"2025-01-15T10:30:00.25Z", false),
            Time::Value(Timestamp::from_micros(t.micros() + 250_000).unwrap())
        );
        assert_eq!(
            p.parse(b"9999-12-31T23:59:60Z", false),
            reference_time(b"9999-12-31T23:59:60Z", false)
        );
    }

    proptest! {
        #[test]
        fn fast_decimal_equals_std(s in "[+-]?[0-9]{0,20}(\\.[0-9]{0,25})?") {
            if let Some(v) = fast_decimal(s.as_bytes()) {
                let want: f64 = s.parse().unwrap();
                prop_assert_eq!(v.to_bits(), want.to_bits(), "{}", s);
            }
        }

        #[test]
        fn parse_number_equals_std_on_numbers(v in any::<f64>()) {
            let s = v.to_string();
            match parse_number(s.as_bytes()) {
                Number::Value(got) => prop_assert!(got.to_bits() == v.to_bits() || (got.is_nan() && v.is_nan())),
                Number::Missing => prop_assert!(v.is_nan()),
                Number::Bad => prop_assert!(false, "{} rejected", s),
            }
        }

        #[test]
        fn time_fast_path_equals_core(
            s in "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2})?([.,][0-9]{0,9})?(Z|z|[+-][0-9]{2}:[0-9]{2}|x)?)?",
            allow_epoch in any::<bool>(),
        ) {
            let mut p = TimeParser::default();
            prop_assert_eq!(p.parse(s.as_bytes(), allow_epoch), reference_time(s.as_bytes(), allow_epoch));
            // Again with a warm day cache.
            prop_assert_eq!(p.parse(s.as_bytes(), allow_epoch), reference_time(s.as_bytes(), allow_epoch));
        }

        #[test]
        fn time_parser_equals_core_on_anything(cells in proptest::collection::vec("\\PC{0,24}", 1..6), allow_epoch in any::<bool>()) {
            let mut p = TimeParser::default();
            for c in &cells {
                prop_assert_eq!(p.parse(c.as_bytes(), allow_epoch), reference_time(c.as_bytes(), allow_epoch));
            }
        }
    }
}
