//! Plain-text logs into a [`Frame`].
//!
//! One record per line: a timestamp (RFC 3339, `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`,
//! optionally followed by `:`), then fields separated by blanks, `,` or `;`:
//!
//! - `Key:85°C`, `Key: 85°C`, `Key=85` and `Key 85°C` are a field named by the key in lower
//!   case, whose number becomes a numeric column and whose unit (the text after the number)
//!   goes to the schema's units; `Key:text` with no number is a category column;
//! - a bare token of letters and digits joined by a dash (`Motor-001`) is the line's
//!   `entity`, a category column;
//! - other words are ignored.
//!
//! Blank lines and comments (`#`) are skipped; any other line without a leading timestamp
//! is an error naming its line. A field missing on some lines is NaN (or no value) there; a
//! field with numbers on some lines and text on others is a category column of its text.

use std::collections::HashMap;

use stratos_core::{CategoryColumn, Frame, Timestamp};

use crate::cell::{Time, TimeParser};
use crate::error::{IngestError, excerpt};
use crate::frame_builder::{SparseColumns, check_shape};
use crate::limits::Limits;
use crate::location::Location;
use crate::sniff::strip_bom;

/// The name of the time column.
const TIME: &str = "timestamp";
/// The name of the entity column.
const ENTITY: &str = "entity";
/// How many lines sniffing looks at.
const SNIFF_LINES: usize = 5;

/// One value of a field.
#[derive(Debug, Clone, PartialEq)]
enum Cell<'a> {
    Missing,
    Number(f64, &'a str),
    Text(&'a str),
}

/// A number and its unit (empty when none).
type NumberUnit<'a> = (f64, &'a str);

/// One field of a line: key (as written), value text, number and unit.
type Field<'a> = (&'a str, &'a str, Option<NumberUnit<'a>>);

/// One parsed line.
#[derive(Debug, Default)]
struct Line<'a> {
    entity: Option<&'a str>,
    fields: Vec<Field<'a>>,
}

/// Splits a line's leading timestamp from the rest; `None` when it does not start with one.
fn split_time<'a>(line: &'a str, parser: &mut TimeParser) -> Option<(Timestamp, &'a str)> {
    let line = line.trim_start();
    let end1 = line.find(char::is_whitespace).unwrap_or(line.len());
    let tok1 = line.get(..end1)?;
    let rest1 = line.get(end1..)?;
    let parse = |parser: &mut TimeParser, t: &str| match parser.parse(t.as_bytes(), false) {
        Time::Value(ts) => Some(ts),
        _ => None,
    };
    // `YYYY-MM-DD HH:MM:SS`, the second token possibly ending in `:`.
    if tok1.len() == 10 && !tok1.ends_with(':') {
        let after = rest1.trim_start();
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            let end2 = after.find(char::is_whitespace).unwrap_or(after.len());
            let tok2 = after.get(..end2)?;
            let tok2 = tok2.strip_suffix(':').unwrap_or(tok2);
            if let Some(ts) = parse(parser, &format!("{tok1} {tok2}")) {
                return Some((ts, after.get(end2..)?));
            }
        }
    }
    let tok1 = tok1.strip_suffix(':').unwrap_or(tok1);
    parse(parser, tok1).map(|ts| (ts, rest1))
}

/// A key: starts with a letter; letters, digits, `_`, `.` and `-` after.
fn is_key(s: &str) -> bool {
    s.starts_with(|c: char| c.is_alphabetic())
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// An entity: letters and digits (at least one of each) joined by dashes, not starting or
/// ending with one.
fn is_entity(s: &str) -> bool {
    s.contains('-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_alphabetic())
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// A number followed by an optional unit (`85°C`, `65%`, `1750`, `-2.5e3V`).
fn number_unit(s: &str) -> Option<NumberUnit<'_>> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits_start = i;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
        i += 1;
    }
    if !b
        .get(digits_start..i)
        .is_some_and(|d| d.iter().any(u8::is_ascii_digit))
    {
        return None;
    }
    // An exponent, when digits follow it.
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            i = j;
        }
    }
    let value: f64 = s.get(..i)?.parse().ok()?;
    let unit = s.get(i..)?.trim();
    if unit.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
        || unit.contains([':', '='])
    {
        return None;
    }
    Some((value, unit))
}

/// Parses the part of a line after its timestamp.
fn parse_fields(rest: &str) -> Line<'_> {
    let tokens: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
        .collect();
    let mut line = Line::default();
    let mut i = 0;
    while let Some(&tok) = tokens.get(i) {
        i += 1;
        if let Some(p) = tok.find([':', '=']) {
            let (key, value) = (tok.get(..p).unwrap_or(""), tok.get(p + 1..).unwrap_or(""));
            if !is_key(key) {
                continue;
            }
            let value = if value.is_empty() {
                match tokens.get(i) {
                    Some(&next) => {
                        i += 1;
                        next
                    }
                    None => continue,
                }
            } else {
                value
            };
            line.fields.push((key, value, number_unit(value)));
        } else if is_entity(tok) {
            if line.entity.is_none() {
                line.entity = Some(tok);
            }
        } else if is_key(tok)
            && let Some(&next) = tokens.get(i)
            && let Some(nu) = number_unit(next)
        {
            i += 1;
            line.fields.push((tok, next, Some(nu)));
        }
    }
    line
}

/// True when the first few non-blank, non-comment lines each start with a timestamp followed
/// by a blank (or `:` and a blank) and hold at least one key/value pair.
pub(crate) fn looks_like_text(bytes: &[u8]) -> bool {
    let mut parser = TimeParser::default();
    let mut seen = 0;
    for raw in strip_bom(bytes).split(|&b| b == b'\n') {
        let Ok(line) = std::str::from_utf8(raw) else {
            return false;
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((_, rest)) = split_time(line, &mut parser) else {
            return false;
        };
        if !rest.starts_with(char::is_whitespace) || parse_fields(rest).fields.is_empty() {
            return false;
        }
        seen += 1;
        if seen == SNIFF_LINES {
            break;
        }
    }
    seen > 0
}

/// Reads a text log into a frame.
///
/// Cells are kept per column, only for the lines that have the column
/// ([`SparseColumns`]); the frame's shape is checked against `limits` as columns appear
/// and before the dense columns are built, so lines that each bring a new key cost memory
/// linear in the log.
pub(crate) fn read_text(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let text = String::from_utf8_lossy(strip_bom(bytes));
    let mut parser = TimeParser::default();
    let mut times = Vec::new();
    let mut entities: Vec<Option<&str>> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Keys as written to their columns, so a repeated key costs no allocation.
    let mut written: HashMap<&str, usize> = HashMap::new();
    let mut columns: SparseColumns<Cell> = SparseColumns::default();
    let mut units: HashMap<usize, String> = HashMap::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((ts, rest)) = split_time(line, &mut parser) else {
            let first = line.split_whitespace().next().unwrap_or(line);
            return Err(IngestError::Cell {
                location: Box::new(
                    Location::source(source)
                        .with_line(i as u64 + 1)
                        .with_column(TIME),
                ),
                expected: "a timestamp at the start of the line".to_owned(),
                found: excerpt(first.as_bytes()),
            });
        };
        let row = times.len();
        times.push(ts);
        let parsed = parse_fields(rest);
        entities.push(parsed.entity);
        for (key, value, number) in parsed.fields {
            let j = match written.get(key) {
                Some(&j) => j,
                None => {
                    let name = key.to_lowercase();
                    let j = match index.get(&name) {
                        Some(&j) => j,
                        None => {
                            check_shape(row + 1, names.len() + 1, limits, || {
                                Location::source(source).with_line(i as u64 + 1)
                            })?;
                            let j = columns.add_column();
                            index.insert(name.clone(), j);
                            names.push(name);
                            j
                        }
                    };
                    written.insert(key, j);
                    j
                }
            };
            let cell = match number {
                Some((v, unit)) => {
                    if !unit.is_empty() {
                        units.entry(j).or_insert_with(|| unit.to_owned());
                    }
                    Cell::Number(v, value)
                }
                None => Cell::Text(value),
            };
            columns.set(row, j, cell);
        }
    }
    let rows = times.len();
    check_shape(rows, names.len() + 2, limits, || Location::source(source))?;
    let columns = columns.into_dense(rows, Cell::Missing, limits, || Location::source(source))?;
    let mut b = Frame::builder().timestamps(TIME, times);
    for (j, (name, col)) in names.iter().zip(columns).enumerate() {
        if col.iter().all(|c| !matches!(c, Cell::Text(_))) {
            let values = col
                .iter()
                .map(|c| match c {
                    Cell::Number(v, _) => *v,
                    _ => f64::NAN,
                })
                .collect();
            b = b.numeric(name.clone(), values);
            if let Some(unit) = units.get(&j) {
                b = b.unit(name.clone(), unit.clone());
            }
        } else {
            let mut category = CategoryColumn::new(name.clone());
            for c in &col {
                category.push(match c {
                    Cell::Missing => None,
                    Cell::Number(_, s) | Cell::Text(s) => Some(s),
                });
            }
            b = b.category(category);
        }
    }
    if entities.iter().any(Option::is_some) {
        let mut category = CategoryColumn::new(ENTITY);
        for e in &entities {
            category.push(*e);
        }
        b = b.category(category);
    }
    b.build().map_err(|e| IngestError::frame(source, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_units() {
        assert_eq!(number_unit("85°C"), Some((85.0, "°C")));
        assert_eq!(number_unit("65%"), Some((65.0, "%")));
        assert_eq!(number_unit("-2.5e3V"), Some((-2500.0, "V")));
        assert_eq!(number_unit("1750"), Some((1750.0, "")));
        assert_eq!(number_unit("2e"), Some((2.0, "e")));
        assert_eq!(number_unit("abc"), None);
        assert_eq!(number_unit("-"), None);
        assert_eq!(number_unit("1.2.3"), None);
        assert_eq!(number_unit("10:00"), None);
        assert_eq!(number_unit("2025-01-15"), None);
        assert_eq!(number_unit("5m/s2"), Some((5.0, "m/s2")));
    }

    #[test]
    fn both_seed_shapes() {
        let text = "2025-01-15T10:00:00Z Motor-001 Temperature:85°C Vibration:2.3Hz RPM:1750\n\
                    2025-01-15 10:01:00: Temperature 23.5°C, Humidity 65%, Pressure 1013hPa\n";
        let f = read_text(text.as_bytes(), &Limits::default(), None).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(
            f.schema().value_fields,
            ["temperature", "vibration", "rpm", "humidity", "pressure"]
        );
        assert_eq!(f.column("temperature").unwrap(), [85.0, 23.5]);
        assert!(f.column("rpm").unwrap()[1].is_nan());
        assert_eq!(f.category("entity").unwrap().get(0), Some("Motor-001"));
        assert_eq!(f.category("entity").unwrap().get(1), None);
        assert_eq!(
            f.schema().units.get("temperature").map(String::as_str),
            Some("°C")
        );
        assert!(!f.schema().units.contains_key("rpm"));
        assert_eq!(
            f.timestamps().unwrap()[1],
            Timestamp::parse("2025-01-15T10:01:00Z").unwrap()
        );
    }

    #[test]
    fn a_line_without_time_is_an_error_and_sniffing_is_strict() {
        let e = read_text(
            b"# c\n2025-01-15 a:1\n\nhello a:2\n",
            &Limits::default(),
            Some("x.log"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.log:4: column `timestamp`: expected a timestamp at the start of the line, found `hello`"
        );
        assert!(looks_like_text(b"2025-01-15: a:1\n"));
        assert!(!looks_like_text(b"2025-01-15,1\n"));
        assert!(!looks_like_text(b"2025-01-15 Motor-001\n"));
        assert!(!looks_like_text(b"\n# only\n"));
    }
}
