//! UTC timestamps with microsecond resolution.
//!
//! [`Timestamp`] is what every record, frame and event carries. It reads the forms producers
//! actually send and always writes RFC 3339 in UTC.
//!
//! Accepted text forms ([`Timestamp::parse`]):
//!
//! ```text
//! 2025-01-15T10:30:00Z            RFC 3339, any offset (+01:00, -0530 style is rejected)
//! 2025-01-15T10:30:00.123456Z     fractional seconds (digits past microseconds are truncated)
//! 2025-01-15 10:30:00             a space instead of `T`; no offset means UTC
//! 2025-01-15T10:30                minutes only
//! 2025-01-15                      a date: midnight UTC
//! 1705312200 / 1705312200123      epoch seconds / epoch milliseconds (see below)
//! ```
//!
//! Epoch numbers (text or JSON numbers) follow one documented rule: a value whose magnitude
//! is below 10^11 is seconds (10^11 s is the year 5138), anything larger is milliseconds.
//! Fractional epoch seconds keep microseconds. JSON also accepts the protobuf form
//! `{"seconds": 1705312200, "nanos": 0}` used by the seed's gRPC services.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::RecordError;

const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// Epoch numbers at or above this magnitude are read as milliseconds.
pub const EPOCH_MILLIS_CUTOFF: f64 = 1e11;
/// The smallest representable instant: 0000-01-01T00:00:00Z.
const MIN_MICROS: i64 = -62_167_219_200 * MICROS_PER_SEC;
/// The largest representable instant: 9999-12-31T23:59:59.999999Z.
const MAX_MICROS: i64 = 253_402_300_799 * MICROS_PER_SEC + 999_999;

/// An instant in UTC, stored as microseconds since the Unix epoch.
///
/// The range is the years 0000 to 9999, which every accepted text form can express.
///
/// # Examples
/// ```
/// use stratos_core::Timestamp;
/// # fn main() -> Result<(), stratos_core::RecordError> {
/// let t = Timestamp::parse("2025-01-15T10:30:00Z")?;
/// assert_eq!(t.epoch_seconds(), 1_736_937_000);
/// assert_eq!(Timestamp::parse("1736937000")?, t);
/// assert_eq!(t.to_string(), "2025-01-15T10:30:00Z");
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// A timestamp from microseconds since the epoch.
    ///
    /// # Errors
    /// [`RecordError::Timestamp`] when the instant lies outside the years 0000–9999.
    pub fn from_micros(micros: i64) -> Result<Self, RecordError> {
        if (MIN_MICROS..=MAX_MICROS).contains(&micros) {
            Ok(Timestamp(micros))
        } else {
            Err(RecordError::timestamp(
                micros.to_string(),
                "an instant between the years 0000 and 9999",
            ))
        }
    }

    /// A timestamp from whole seconds since the epoch.
    ///
    /// # Errors
    /// [`RecordError::Timestamp`] when out of range.
    pub fn from_epoch_seconds(seconds: i64) -> Result<Self, RecordError> {
        seconds
            .checked_mul(MICROS_PER_SEC)
            .ok_or_else(|| {
                RecordError::timestamp(
                    seconds.to_string(),
                    "epoch seconds within the years 0000–9999",
                )
            })
            .and_then(Self::from_micros)
    }

    /// A timestamp from an epoch number, seconds or milliseconds by the module's rule.
    ///
    /// # Errors
    /// [`RecordError::Timestamp`] for NaN, infinities and out-of-range values.
    pub fn from_epoch_number(value: f64) -> Result<Self, RecordError> {
        if !value.is_finite() {
            return Err(RecordError::timestamp(
                value.to_string(),
                "a finite epoch number",
            ));
        }
        let micros = if value.abs() < EPOCH_MILLIS_CUTOFF {
            value * 1e6
        } else {
            value * 1e3
        };
        if !(MIN_MICROS as f64..=MAX_MICROS as f64).contains(&micros) {
            return Err(RecordError::timestamp(
                value.to_string(),
                "an epoch number within the years 0000–9999",
            ));
        }
        // In range, so the conversion cannot saturate.
        Self::from_micros(micros.round() as i64)
    }

    /// A timestamp from a UTC calendar date and time of day, with microseconds.
    ///
    /// # Errors
    /// [`RecordError::Timestamp`] when a field is out of its range (month 1–12, a day the
    /// month has, hour < 24, minute < 60, second ≤ 60, micros < 10⁶) or the instant lies
    /// outside the years 0000–9999.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::Timestamp;
    /// # fn main() -> Result<(), stratos_core::RecordError> {
    /// let t = Timestamp::from_civil(2025, 1, 15, 10, 30, 0, 500_000)?;
    /// assert_eq!(t.to_string(), "2025-01-15T10:30:00.500000Z");
    /// # Ok(()) }
    /// ```
    pub fn from_civil(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        minute: i64,
        second: i64,
        micros: i64,
    ) -> Result<Self, RecordError> {
        let valid = (0..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && (0..24).contains(&hour)
            && (0..60).contains(&minute)
            && (0..=60).contains(&second)
            && (0..MICROS_PER_SEC).contains(&micros);
        if !valid {
            return Err(RecordError::timestamp(
                format!(
                    "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{micros:06}"
                ),
                "a valid calendar date and time of day",
            ));
        }
        let secs =
            days_from_civil(year, month, day) * SECS_PER_DAY + hour * 3600 + minute * 60 + second;
        Self::from_micros(secs * MICROS_PER_SEC + micros)
    }

    /// Microseconds since the epoch.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (floored).
    pub fn epoch_seconds(self) -> i64 {
        self.0.div_euclid(MICROS_PER_SEC)
    }

    /// Seconds since the epoch as a float, with the fraction.
    pub fn as_epoch_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Parses any of the text forms listed in the module docs.
    ///
    /// # Errors
    /// [`RecordError::Timestamp`] naming the text and the accepted forms.
    pub fn parse(text: &str) -> Result<Self, RecordError> {
        Self::parse_bytes(text.as_bytes())
    }

    /// [`Timestamp::parse`] on bytes, for readers that hold raw fields.
    ///
    /// # Errors
    /// [`RecordError::Timestamp`] naming the text and the accepted forms.
    pub fn parse_bytes(text: &[u8]) -> Result<Self, RecordError> {
        let trimmed = text.trim_ascii();
        parse_calendar(trimmed)
            .or_else(|| parse_epoch(trimmed))
            .ok_or_else(|| {
                RecordError::timestamp(
                    String::from_utf8_lossy(trimmed).chars().take(64).collect(),
                    "RFC 3339, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or epoch seconds/milliseconds",
                )
            })?
    }

    /// True when the text is a calendar date or date-time (not a bare number), as used by
    /// column type inference: a column of plain integers is numeric, not epoch time.
    pub fn looks_like_calendar(text: &[u8]) -> bool {
        matches!(parse_calendar(text.trim_ascii()), Some(Ok(_)))
    }

    /// Writes RFC 3339 in UTC into `out`: `YYYY-MM-DDTHH:MM:SSZ`, with `.ffffff` only when the
    /// instant has a sub-second part.
    pub fn write_rfc3339(self, out: &mut String) {
        use fmt::Write;
        let _ = write!(out, "{self}");
    }
}

/// Parses many timestamps in a row, caching the last calendar date, so runs of RFC 3339 stamps
/// on the same day cost a few comparisons each (about 4× faster than [`Timestamp::parse_bytes`]
/// on such runs). Gives exactly what [`Timestamp::parse_bytes`] gives (a property test says so).
///
/// # Examples
/// ```
/// use stratos_core::timestamp::TimestampParser;
/// # fn main() -> Result<(), stratos_core::RecordError> {
/// let mut p = TimestampParser::new();
/// let a = p.parse_bytes(b"2025-01-15T10:30:00Z")?;
/// let b = p.parse_bytes(b"2025-01-15T10:31:00Z")?;
/// assert_eq!(b.micros() - a.micros(), 60_000_000);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct TimestampParser {
    /// The last valid `YYYY-MM-DD` seen (as two integers, compared without `memcmp`) and its
    /// midnight in microseconds.
    day: Option<((u64, u16), i64)>,
}

impl TimestampParser {
    /// A parser with an empty cache.
    pub fn new() -> Self {
        TimestampParser::default()
    }

    /// Parses any accepted form, through the same-day fast path when it applies.
    ///
    /// # Errors
    /// As [`Timestamp::parse_bytes`].
    #[inline]
    pub fn parse_bytes(&mut self, text: &[u8]) -> Result<Timestamp, RecordError> {
        if let Some(t) = self.parse_fast(text) {
            return Ok(t);
        }
        // Epoch seconds or milliseconds as bare digits: the general path would try the
        // calendar first and fail on the missing `-`; go straight to the epoch rule it ends
        // with (same result, a property test says so).
        if text.len() <= 18
            && text.iter().all(u8::is_ascii_digit)
            && let Some(t) = parse_epoch(text)
        {
            return t;
        }
        Timestamp::parse_bytes(text)
    }

    /// The fast path alone: `YYYY-MM-DD` optionally followed by `T`/`t`/space, `HH:MM:SS`, an optional `.`/`,`
    /// fraction and an optional `Z`/`z`, with no surrounding whitespace. Other shapes return
    /// `None` and take the general path.
    #[inline]
    pub fn parse_fast(&mut self, b: &[u8]) -> Option<Timestamp> {
        let date: &[u8; 10] = b.get(..10)?.try_into().ok()?;
        let [a, b0, c, d, e, f, g, h, i, j] = *date;
        let key = (
            u64::from_le_bytes([a, b0, c, d, e, f, g, h]),
            u16::from_le_bytes([i, j]),
        );
        let day_micros = match self.day {
            Some((k, micros)) if k == key => micros,
            _ => {
                let shaped = date[4] == b'-'
                    && date[7] == b'-'
                    && date
                        .iter()
                        .enumerate()
                        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
                if !shaped {
                    return None;
                }
                // A bare date parses as its midnight, or is rejected as invalid.
                let micros = Timestamp::parse_bytes(date).ok()?.0;
                self.day = Some((key, micros));
                micros
            }
        };
        let rest = b.get(10..)?;
        let (secs, tail) = match rest {
            [] => return Timestamp::from_micros(day_micros).ok(),
            [
                b'T' | b't' | b' ',
                h1,
                h2,
                b':',
                m1,
                m2,
                b':',
                s1,
                s2,
                tail @ ..,
            ] => {
                let h = two_digits(*h1, *h2)?;
                let m = two_digits(*m1, *m2)?;
                let s = two_digits(*s1, *s2)?;
                // 60 is a leap second, folded into the next second as the core parser does.
                if h > 23 || m > 59 || s > 60 {
                    return None;
                }
                (h * 3600 + m * 60 + s, tail)
            }
            _ => return None,
        };
        let (frac, tail) = match tail {
            [b'.' | b',', digits @ ..] => {
                let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return None;
                }
                let mut frac = 0i64;
                for (i, c) in digits.iter().take(n).enumerate() {
                    if i < 6 {
                        frac = frac * 10 + i64::from(c - b'0');
                    }
                }
                for _ in n..6 {
                    frac *= 10;
                }
                (frac, digits.get(n..)?)
            }
            _ => (0, tail),
        };
        if !matches!(tail, [] | [b'Z'] | [b'z']) {
            return None;
        }
        let micros = day_micros + secs * MICROS_PER_SEC + frac;
        Timestamp::from_micros(micros).ok()
    }
}

#[inline]
fn two_digits(a: u8, b: u8) -> Option<i64> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some(i64::from(a - b'0') * 10 + i64::from(b - b'0'))
    } else {
        None
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let s = b.get(at..at + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// `None`: not a calendar form at all; `Some(Err)`: a calendar form with invalid fields.
fn parse_calendar(b: &[u8]) -> Option<Result<Timestamp, RecordError>> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let bad = |what: &str| {
        Some(Err(RecordError::timestamp(
            String::from_utf8_lossy(b).chars().take(64).collect(),
            what,
        )))
    };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return bad("a valid calendar date");
    }
    let mut micros = days_from_civil(y, mo, d) * SECS_PER_DAY * MICROS_PER_SEC;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(Timestamp::from_micros(micros));
    }
    if !(rest[0] == b'T' || rest[0] == b't' || rest[0] == b' ') || rest.len() < 6 || rest[3] != b':'
    {
        return bad("`T` or a space, then HH:MM[:SS[.ffffff]] and an optional offset");
    }
    let (h, mi) = (digits(rest, 1, 2)?, digits(rest, 4, 2)?);
    let mut i = 6;
    let mut s = 0;
    let has_seconds = rest.get(i) == Some(&b':');
    if has_seconds {
        s = digits(rest, i + 1, 2)?;
        i += 3;
    }
    // 60 is accepted for leap seconds and folded into the next second, as chrono does.
    if h > 23 || mi > 59 || s > 60 {
        return bad("a valid time of day");
    }
    micros += (h * 3600 + mi * 60 + s) * MICROS_PER_SEC;
    // A fraction belongs to the seconds (RFC 3339): `10:30.5` is not a time.
    if has_seconds && matches!(rest.get(i), Some(b'.') | Some(b',')) {
        i += 1;
        let start = i;
        let mut frac = 0i64;
        while let Some(c) = rest.get(i).filter(|c| c.is_ascii_digit()) {
            if i - start < 6 {
                frac = frac * 10 + i64::from(c - b'0');
            }
            i += 1;
        }
        if i == start {
            return bad("digits after the decimal point");
        }
        for _ in (i - start)..6 {
            frac *= 10;
        }
        micros += frac;
    }
    match &rest[i..] {
        [] | [b'Z'] | [b'z'] => {}
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let oh = digits(&[*oh1, *oh2], 0, 2)?;
            let om = digits(&[*om1, *om2], 0, 2)?;
            if oh > 23 || om > 59 {
                return bad("a valid UTC offset");
            }
            let off = (oh * 3600 + om * 60) * MICROS_PER_SEC;
            micros += if *sign == b'+' { -off } else { off };
        }
        _ => return bad("`Z`, `+HH:MM` or `-HH:MM` after the time"),
    }
    Some(Timestamp::from_micros(micros))
}

fn parse_epoch(b: &[u8]) -> Option<Result<Timestamp, RecordError>> {
    // Integers take the exact path: no float rounding for millisecond stamps.
    let (neg, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if !body.is_empty() && body.len() <= 18 && body.iter().all(u8::is_ascii_digit) {
        let mut v = 0i64;
        for &c in body {
            v = v * 10 + i64::from(c - b'0');
        }
        let v = if neg { -v } else { v };
        let micros = if (v.unsigned_abs() as f64) < EPOCH_MILLIS_CUTOFF {
            v.checked_mul(MICROS_PER_SEC)
        } else {
            v.checked_mul(1000)
        };
        return Some(match micros {
            Some(m) => Timestamp::from_micros(m),
            None => Err(RecordError::timestamp(
                v.to_string(),
                "epoch seconds or milliseconds within the years 0000–9999",
            )),
        });
    }
    let text = std::str::from_utf8(b).ok()?;
    // Only plain decimal numbers: no `inf`, `nan` or hex through the float parser.
    if text.is_empty()
        || !text
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    Some(Timestamp::from_epoch_number(v))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(MICROS_PER_SEC);
        let sub = self.0.rem_euclid(MICROS_PER_SEC);
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )?;
        if sub != 0 {
            write!(f, ".{sub:06}")?;
        }
        f.write_str("Z")
    }
}

impl std::str::FromStr for Timestamp {
    type Err = RecordError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 string, epoch seconds or milliseconds, or {\"seconds\": …}")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Timestamp::parse_bytes(v.to_string().as_bytes()).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        Timestamp::parse_bytes(v.to_string().as_bytes()).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        Timestamp::from_epoch_number(v).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Timestamp, A::Error> {
        let mut seconds: Option<i64> = None;
        let mut nanos: i64 = 0;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "seconds" => seconds = Some(map.next_value::<SecondsValue>()?.0),
                "nanos" => nanos = map.next_value()?,
                other => {
                    return Err(de::Error::unknown_field(other, &["seconds", "nanos"]));
                }
            }
        }
        let seconds = seconds.ok_or_else(|| de::Error::missing_field("seconds"))?;
        if !(0..1_000_000_000).contains(&nanos) {
            return Err(de::Error::custom(format!(
                "`nanos` = {nanos}: expected 0..=999999999"
            )));
        }
        Timestamp::from_epoch_seconds(seconds)
            .and_then(|t| Timestamp::from_micros(t.0 + nanos / 1000))
            .map_err(de::Error::custom)
    }
}

/// protobuf's JSON mapping writes int64 as a string; accept both.
struct SecondsValue(i64);

impl<'de> Deserialize<'de> for SecondsValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = SecondsValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`seconds` as an integer or a string of one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SecondsValue, E> {
                Ok(SecondsValue(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SecondsValue, E> {
                i64::try_from(v)
                    .map(SecondsValue)
                    .map_err(|_| E::custom(format!("`seconds` = {v}: out of range")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<SecondsValue, E> {
                s.parse()
                    .map(SecondsValue)
                    .map_err(|_| E::custom(format!("`seconds` = {s:?}: expected an integer")))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests;
