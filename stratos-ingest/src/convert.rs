//! Locale rules applied to a CSV frame's text columns after the typed parse: extra missing
//! markers, a decimal comma, and dates written day-first or month-first.
//!
//! The rules look at each text column's *distinct* values (its dictionary), so they cost
//! little whatever the row count:
//! - a text column whose values are all numbers once the extra missing markers
//!   ([`ReadOptions::with_missing_markers`](crate::ReadOptions::with_missing_markers)) and
//!   the decimal mark are taken into account becomes numeric. With `--decimal ,` (or, without
//!   it, in a `;`-delimited file) `1.234,5` reads 1234.5;
//! - when the frame has no time column, the first text column whose values are all dates
//!   such as `03/14/2024` or `14.03.2024 10:30 +01:00` becomes it. Day-first or month-first
//!   is decided over the whole column: a first number above 12 means day-first, a second
//!   number above 12 month-first; a column where nothing decides (or both do) is an error
//!   naming the column, fixed with a pattern ([`DatePattern`], `--date-format`).

use stratos_core::{CategoryColumn, Frame, Timestamp};

use crate::cell::{self, Number};
use crate::error::{IngestError, excerpt};
use crate::location::Location;

/// The locale rules of a read.
#[derive(Debug, Clone, Default)]
pub(crate) struct CellRules {
    /// `Some(b',')` reads `1,5` as 1.5.
    pub(crate) decimal: Option<u8>,
    /// Without an explicit decimal mark: try the decimal comma (a `;`-delimited file).
    pub(crate) guess_decimal_comma: bool,
    /// Extra missing markers.
    pub(crate) missing: Vec<String>,
    /// An explicit date pattern.
    pub(crate) date_format: Option<String>,
}

impl CellRules {
    fn is_missing(&self, text: &str) -> bool {
        let t = text.trim();
        cell::is_missing(t.as_bytes()) || self.missing.iter().any(|m| m.trim() == t)
    }
}

/// Reads a number with a decimal comma: `.`, a space, a no-break space or `'` group
/// thousands; a sign and an exponent are allowed.
pub(crate) fn parse_comma_decimal(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(t.len());
    let mut seen_comma = false;
    for c in t.chars() {
        match c {
            '0'..='9' | '+' | '-' | 'e' | 'E' => out.push(c),
            ',' if !seen_comma => {
                seen_comma = true;
                out.push('.');
            }
            '.' | ' ' | '\u{a0}' | '\u{202f}' | '\'' if !seen_comma => {}
            _ => return None,
        }
    }
    if !out.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    out.parse::<f64>().ok()
}

/// Applies `rules` to the text columns of `frame`, whose columns were read in the order of
/// `names`; the result keeps that order.
pub(crate) fn apply(
    frame: Frame,
    names: &[String],
    rules: &CellRules,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let categories = frame.category_columns();
    if categories.is_empty() {
        return Ok(frame);
    }
    let comma = match rules.decimal {
        Some(b',') => true,
        Some(_) => false,
        None => rules.guess_decimal_comma,
    };
    let pattern = match rules.date_format.as_deref() {
        Some(p) => Some(
            DatePattern::new(p).map_err(|message| IngestError::InvalidOptions {
                location: Box::new(Location::source(source)),
                message: format!("--date-format `{p}`: {message}"),
            })?,
        ),
        None => None,
    };
    let mut numeric_from_text: Vec<(String, Vec<f64>)> = Vec::new();
    let mut time_from_text: Option<(String, Vec<Timestamp>)> = None;
    let mut kept: Vec<CategoryColumn> = Vec::new();
    let mut changed = false;
    for column in categories {
        let dictionary = column.dictionary();
        let missing: Vec<bool> = dictionary.iter().map(|d| rules.is_missing(d)).collect();
        let present = missing.iter().filter(|m| !**m).count();
        // Numbers with the decimal mark and markers (without either, a text column holds
        // some cell that is not a number: the typed parse saw them all).
        let numbers: Option<Vec<f64>> = (present > 0 && (comma || !rules.missing.is_empty()))
            .then(|| {
                dictionary
                    .iter()
                    .zip(&missing)
                    .map(|(d, &m)| {
                        if m {
                            Some(f64::NAN)
                        } else if comma {
                            parse_comma_decimal(d)
                        } else {
                            match cell::parse_number(d.as_bytes()) {
                                Number::Value(v) => Some(v),
                                _ => None,
                            }
                        }
                    })
                    .collect()
            })
            .flatten();
        if let Some(values) = numbers {
            let column_values = column
                .codes()
                .iter()
                .map(|&c| values.get(c as usize).copied().unwrap_or(f64::NAN))
                .collect();
            numeric_from_text.push((column.name().to_owned(), column_values));
            changed = true;
            continue;
        }
        if frame.timestamps().is_none()
            && time_from_text.is_none()
            && present > 0
            && let Some(stamps) = dates_of(column, &missing, pattern.as_ref(), source)?
        {
            time_from_text = Some((column.name().to_owned(), stamps));
            changed = true;
            continue;
        }
        if missing.iter().any(|&m| m) && !rules.missing.is_empty() {
            let mut c = CategoryColumn::new(column.name());
            for i in 0..column.len() {
                let v = column.get(i).filter(|v| !rules.is_missing(v));
                c.push(v);
            }
            kept.push(c);
            changed = true;
        } else {
            kept.push(column.clone());
        }
    }
    if !changed {
        return Ok(frame);
    }
    let mut b = Frame::builder();
    if let (Some(field), Some(ts)) = (&frame.schema().timestamp_field, frame.timestamps()) {
        b = b.timestamps(field.clone(), ts.to_vec());
    }
    if let Some((name, ts)) = time_from_text {
        b = b.timestamps(name, ts);
    }
    for name in names {
        if let Some(values) = frame.column(name) {
            b = b.numeric(name.clone(), values.to_vec());
        } else if let Some(i) = numeric_from_text.iter().position(|(n, _)| n == name) {
            let (n, v) = numeric_from_text.swap_remove(i);
            b = b.numeric(n, v);
        }
    }
    for c in kept {
        b = b.category(c);
    }
    for (field, unit) in frame.schema().units.iter() {
        b = b.unit(field.clone(), unit.clone());
    }
    b.build().map_err(|e| IngestError::frame(source, e))
}

/// The column's values as timestamps when every present value is a day/month/year date
/// (or matches `pattern`); `Ok(None)` when it is not a date column.
fn dates_of(
    column: &CategoryColumn,
    missing: &[bool],
    pattern: Option<&DatePattern>,
    source: Option<&str>,
) -> Result<Option<Vec<Timestamp>>, IngestError> {
    let dictionary = column.dictionary();
    let at = || Location::source(source).with_column(column.name());
    let parsed: Vec<Option<Timestamp>> = match pattern {
        Some(p) => {
            let all: Option<Vec<Option<Timestamp>>> = dictionary
                .iter()
                .zip(missing)
                .map(|(d, &m)| if m { Some(None) } else { p.parse(d).map(Some) })
                .collect();
            match all {
                Some(v) => v,
                None => return Ok(None),
            }
        }
        None => {
            let mut fields = Vec::with_capacity(dictionary.len());
            for (d, &m) in dictionary.iter().zip(missing) {
                if m {
                    fields.push(None);
                    continue;
                }
                match split_date(d) {
                    Some(f) => fields.push(Some(f)),
                    None => return Ok(None),
                }
            }
            let present = || fields.iter().flatten();
            let fixed = present().all(|f| f.year_first);
            let day_first = present().any(|f| !f.year_first && f.a > 12);
            let month_first = present().any(|f| !f.year_first && f.b > 12);
            let order = if fixed {
                Order::Ymd
            } else {
                match (day_first, month_first) {
                    (true, false) => Order::Dmy,
                    (false, true) => Order::Mdy,
                    (true, true) => {
                        return Err(IngestError::Cell {
                            location: Box::new(at()),
                            expected: "dates in one order (some have a day above 12 first, \
                                       others second); give --date-format"
                                .to_owned(),
                            found: excerpt(dictionary.first().map_or("", |s| s).as_bytes()),
                        });
                    }
                    (false, false) => {
                        let example = present().next().map_or("", |f| f.text);
                        return Err(IngestError::Cell {
                            location: Box::new(at()),
                            expected: "dates whose order of day and month can be told (no \
                                       day above 12): give --date-format '%d/%m/%Y' or \
                                       '%m/%d/%Y'"
                                .to_owned(),
                            found: excerpt(example.as_bytes()),
                        });
                    }
                }
            };
            let mut out = Vec::with_capacity(fields.len());
            for f in fields {
                match f {
                    None => out.push(None),
                    Some(f) => match f.timestamp(order) {
                        Some(t) => out.push(Some(t)),
                        None => {
                            return Err(IngestError::Cell {
                                location: Box::new(at()),
                                expected: format!("a valid {} date", order.name()),
                                found: excerpt(f.text.as_bytes()),
                            });
                        }
                    },
                }
            }
            out
        }
    };
    let mut stamps = Vec::with_capacity(column.len());
    for (row, &code) in column.codes().iter().enumerate() {
        match parsed.get(code as usize).copied().flatten() {
            Some(t) => stamps.push(t),
            None => {
                return Err(IngestError::Cell {
                    location: Box::new(at()),
                    expected: format!(
                        "a timestamp in data row {} (the time column cannot have missing cells)",
                        row + 1
                    ),
                    found: excerpt(column.get(row).unwrap_or("").as_bytes()),
                });
            }
        }
    }
    Ok(Some(stamps))
}

/// One day/month/year date on its own (a streamed cell): `None` when the text is not such a
/// date; an error when nothing in it tells day-first from month-first.
pub(crate) fn lone_date(text: &str) -> Option<Result<Timestamp, String>> {
    let f = split_date(text)?;
    let order = if f.year_first {
        Order::Ymd
    } else if f.a > 12 {
        Order::Dmy
    } else if f.b > 12 {
        Order::Mdy
    } else {
        return Some(Err(format!(
            "`{}` reads both day-first and month-first: give --date-format '%d/%m/%Y' or \
             '%m/%d/%Y'",
            f.text
        )));
    };
    Some(
        f.timestamp(order)
            .ok_or_else(|| format!("`{}` is not a valid {} date", f.text, order.name())),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Ymd,
    Dmy,
    Mdy,
}

impl Order {
    fn name(self) -> &'static str {
        match self {
            Order::Ymd => "year-first",
            Order::Dmy => "day-first",
            Order::Mdy => "month-first",
        }
    }
}

/// A date's three numbers before their order is known, and its time of day.
#[derive(Debug, Clone, Copy)]
struct DateFields<'a> {
    text: &'a str,
    a: u32,
    b: u32,
    c: i64,
    year_first: bool,
    clock: Clock,
}

impl DateFields<'_> {
    fn timestamp(&self, order: Order) -> Option<Timestamp> {
        let (y, m, d) = match order {
            Order::Ymd => (self.c, i64::from(self.a), i64::from(self.b)),
            Order::Dmy => (self.c, i64::from(self.b), i64::from(self.a)),
            Order::Mdy => (self.c, i64::from(self.a), i64::from(self.b)),
        };
        self.clock.at(y, m, d)
    }
}

/// A time of day and a UTC offset in seconds.
#[derive(Debug, Clone, Copy, Default)]
struct Clock {
    hour: i64,
    minute: i64,
    second: i64,
    micros: i64,
    offset: i64,
}

impl Clock {
    fn at(&self, y: i64, m: i64, d: i64) -> Option<Timestamp> {
        let t = Timestamp::from_civil(y, m, d, self.hour, self.minute, self.second, self.micros)
            .ok()?;
        Timestamp::from_micros(t.micros() - self.offset * 1_000_000).ok()
    }
}

/// Two-digit years: 00–68 are 2000–2068, 69–99 are 1969–1999 (POSIX `%y`).
fn full_year(y: i64, digits: usize) -> i64 {
    if digits > 2 {
        y
    } else if y < 69 {
        2000 + y
    } else {
        1900 + y
    }
}

/// `A/B/YYYY`, `A.B.YY`, `A-B-YYYY` or `YYYY/MM/DD`, then an optional time of day and offset.
fn split_date(text: &str) -> Option<DateFields<'_>> {
    let t = text.trim();
    let (date, rest) = match t.find([' ', 'T']) {
        Some(i) => (t.get(..i)?, t.get(i + 1..)?),
        None => (t, ""),
    };
    let sep = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let mut parts = date.split(sep);
    let (p, q, r) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(p) && digits(q) && digits(r)) {
        return None;
    }
    let clock = parse_clock(rest)?;
    if p.len() == 4 {
        return (q.len() <= 2 && r.len() <= 2).then(|| DateFields {
            text: t,
            a: q.parse().unwrap_or(0),
            b: r.parse().unwrap_or(0),
            c: p.parse().unwrap_or(0),
            year_first: true,
            clock,
        });
    }
    if p.len() > 2 || q.len() > 2 || !(r.len() == 2 || r.len() == 4) {
        return None;
    }
    Some(DateFields {
        text: t,
        a: p.parse().ok()?,
        b: q.parse().ok()?,
        c: full_year(r.parse().ok()?, r.len()),
        year_first: false,
        clock,
    })
}

/// `HH:MM[:SS[.ffffff]]` then an optional offset (`Z`, `±HH:MM`, `±HHMM`, `±HH`), or nothing.
fn parse_clock(text: &str) -> Option<Clock> {
    let t = text.trim();
    if t.is_empty() {
        return Some(Clock::default());
    }
    let split = t
        .char_indices()
        .find(|&(i, c)| i > 0 && matches!(c, 'Z' | 'z' | '+' | '-' | ' '))
        .map_or(t.len(), |(i, _)| i);
    let (clock, offset) = (t.get(..split)?, t.get(split..)?.trim());
    let mut parts = clock.split(':');
    let hour: i64 = parts.next()?.parse().ok()?;
    let minute: i64 = parts.next()?.parse().ok()?;
    let (second, micros) = match parts.next() {
        None => (0, 0),
        Some(s) => match s.split_once(['.', ',']) {
            None => (s.parse().ok()?, 0),
            Some((s, frac)) => {
                if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let mut f: String = frac.chars().take(6).collect();
                while f.len() < 6 {
                    f.push('0');
                }
                (s.parse().ok()?, f.parse().ok()?)
            }
        },
    };
    if parts.next().is_some() {
        return None;
    }
    Some(Clock {
        hour,
        minute,
        second,
        micros,
        offset: parse_offset(offset)?,
    })
}

/// Seconds east of UTC: ``, `Z`, `UTC`, `±HH:MM`, `±HHMM` or `±HH`.
fn parse_offset(t: &str) -> Option<i64> {
    if t.is_empty() || t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, body) = match t.as_bytes().first()? {
        b'+' => (1, t.get(1..)?),
        b'-' => (-1, t.get(1..)?),
        _ => return None,
    };
    let digits: String = body.chars().filter(|&c| c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i64, i64) = match digits.len() {
        2 => (digits.parse().ok()?, 0),
        4 => (
            digits.get(..2)?.parse().ok()?,
            digits.get(2..)?.parse().ok()?,
        ),
        _ => return None,
    };
    (h <= 23 && m <= 59).then_some(sign * (h * 3600 + m * 60))
}

/// A date pattern in the `strftime` style (`--date-format`): `%d` day, `%m` month, `%b`
/// month name (`Jan`…), `%Y` year, `%y` two-digit year, `%H` `%M` `%S` time, `%f`
/// fraction, `%z` offset (`Z`, `+01:00`, `+0100`), `%%` a percent sign; any other
/// character matches itself, and a trailing time of day and offset are accepted after a
/// date-only pattern.
///
/// # Examples
/// ```
/// use stratos_ingest::DatePattern;
/// let p = DatePattern::new("%m/%d/%Y").unwrap();
/// assert_eq!(p.parse("03/04/2024").unwrap().to_string(), "2024-03-04T00:00:00Z");
/// assert_eq!(p.parse("03/04/2024 10:30").unwrap().to_string(), "2024-03-04T10:30:00Z");
/// assert!(p.parse("13/04/2024").is_none());
/// assert!(DatePattern::new("%q").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatePattern {
    items: Vec<Item>,
    has_time: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Literal(char),
    Day,
    Month,
    MonthName,
    Year,
    ShortYear,
    Hour,
    Minute,
    Second,
    Fraction,
    Offset,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

impl DatePattern {
    /// Compiles a pattern.
    ///
    /// # Errors
    /// A message naming an unknown `%` directive, or a pattern without day, month and year.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let mut items = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                items.push(Item::Literal(c));
                continue;
            }
            items.push(match chars.next() {
                Some('d') => Item::Day,
                Some('m') => Item::Month,
                Some('b' | 'B') => Item::MonthName,
                Some('Y') => Item::Year,
                Some('y') => Item::ShortYear,
                Some('H') => Item::Hour,
                Some('M') => Item::Minute,
                Some('S') => Item::Second,
                Some('f') => Item::Fraction,
                Some('z' | 'Z') => Item::Offset,
                Some('%') => Item::Literal('%'),
                Some(other) => return Err(format!("unknown directive `%{other}`")),
                None => return Err("a `%` at the end".to_owned()),
            });
        }
        let has = |i: Item| items.contains(&i);
        if !(has(Item::Day)
            && (has(Item::Month) || has(Item::MonthName))
            && (has(Item::Year) || has(Item::ShortYear)))
        {
            return Err(
                "a pattern needs a day (%d), a month (%m or %b) and a year (%Y or %y)".to_owned(),
            );
        }
        let has_time = has(Item::Hour);
        Ok(DatePattern { items, has_time })
    }

    /// Reads one date, or `None` when it does not match.
    pub fn parse(&self, text: &str) -> Option<Timestamp> {
        let mut rest = text.trim();
        let (mut y, mut mo, mut d) = (0i64, 0i64, 0i64);
        let mut clock = Clock::default();
        let number = |rest: &mut &str, max: usize| -> Option<i64> {
            let n = rest
                .bytes()
                .take(max)
                .take_while(u8::is_ascii_digit)
                .count();
            if n == 0 {
                return None;
            }
            let v = rest.get(..n)?.parse().ok()?;
            *rest = rest.get(n..)?;
            Some(v)
        };
        for item in &self.items {
            match *item {
                Item::Literal(c) => rest = rest.strip_prefix(c)?,
                Item::Day => d = number(&mut rest, 2)?,
                Item::Month => mo = number(&mut rest, 2)?,
                Item::MonthName => {
                    let head = rest.get(..3)?.to_ascii_lowercase();
                    mo = MONTHS.iter().position(|m| *m == head)? as i64 + 1;
                    let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
                    rest = rest.get(n..)?;
                }
                Item::Year => y = number(&mut rest, 4)?,
                Item::ShortYear => y = full_year(number(&mut rest, 2)?, 2),
                Item::Hour => clock.hour = number(&mut rest, 2)?,
                Item::Minute => clock.minute = number(&mut rest, 2)?,
                Item::Second => clock.second = number(&mut rest, 2)?,
                Item::Fraction => {
                    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
                    let frac = rest.get(..n)?;
                    let mut f: String = frac.chars().take(6).collect();
                    while f.len() < 6 {
                        f.push('0');
                    }
                    clock.micros = f.parse().ok()?;
                    rest = rest.get(n..)?;
                }
                Item::Offset => {
                    let n = rest
                        .bytes()
                        .take_while(|b| matches!(b, b'+' | b'-' | b':' | b'Z' | b'z' | b'0'..=b'9'))
                        .count();
                    clock.offset = parse_offset(rest.get(..n)?)?;
                    rest = rest.get(n..)?;
                }
            }
        }
        let rest = rest.trim();
        if !rest.is_empty() {
            if self.has_time {
                clock.offset = parse_offset(rest)?;
            } else {
                let c = parse_clock(rest.trim_start_matches('T'))?;
                clock = c;
            }
        }
        clock.at(y, mo, d)
    }
}

#[cfg(test)]
mod tests;
