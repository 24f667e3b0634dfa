//! Pull readers: rows one at a time from any [`BufRead`] (a pipe, a socket, a file, a
//! decompressing reader from [`open_source`](crate::open_source)), for callers that process
//! as data arrives instead of reading a whole frame.
//!
//! - [`CsvRows`] reads a header, then fills a reused [`CsvRow`] per line.
//! - [`NdjsonRows`] fills a reused [`Record`] per line from a JSON object of any shape: the
//!   seed's envelope or a flat object, time from any of [`TIME_KEYS`] (top level or payload),
//!   the stream from any of [`STREAM_KEYS`] or [`ReadOptions::with_stream_field`].
//!
//! Each call says what the line was ([`Pulled`]): a row, a blank line, or a bad line with a
//! located error ([`IngestError`] naming the line, and the column where there is one). Bad
//! lines do not stop the reader; only an I/O failure or a broken decompression budget does
//! (the `Err` of `next_*`). So every line lands in exactly one of three counts.
//!
//! Records are one per line: a quoted CSV field cannot span lines here (unlike the batch
//! reader). A quote left open ends at the end of its line, so it can never swallow later
//! lines; the row is then checked like any other.
//!
//! # Examples
//! ```
//! use stratos_ingest::stream::{CsvRow, CsvRows, Pulled};
//! use stratos_ingest::ReadOptions;
//! # fn main() -> Result<(), stratos_ingest::IngestError> {
//! let input: &[u8] = b"ts,sensor_id,v\n2025-01-01T00:00:00Z,a,1.5\n\n2025-01-01T00:01:00Z,b,x\n";
//! let mut rows = CsvRows::new(input, &ReadOptions::default())?;
//! assert_eq!(rows.stream_column(), Some(1));
//! let mut row = CsvRow::default();
//! assert!(matches!(rows.next_row(&mut row)?, Some(Pulled::Row)));
//! assert_eq!(rows.number(&row, 2)?, 1.5);
//! assert_eq!(rows.stream(&row), "a");
//! assert!(matches!(rows.next_row(&mut row)?, Some(Pulled::Blank)));
//! assert!(matches!(rows.next_row(&mut row)?, Some(Pulled::Row)));
//! let e = rows.number(&row, 2).unwrap_err();
//! assert_eq!(e.to_string(), "line 4: column `v`: expected a number, found `x`");
//! assert!(rows.next_row(&mut row)?.is_none());
//! # Ok(()) }
//! ```

mod ndjson;
mod record;

use std::io::{self, BufRead};

use serde_json::{Map, Value as Json};
use stratos_core::timestamp::TimestampParser;
use stratos_core::{Record, Timestamp};

use crate::ReadOptions;
use crate::cell::{self, Number};
use crate::convert::{DatePattern, parse_comma_decimal};
use crate::error::{IngestError, excerpt};
use crate::limits::{LimitKind, Limits};
use crate::location::Location;

pub use ndjson::{NdjsonRows, record_from_json};
pub(crate) use ndjson::{fill_from_object, nesting_depth};
pub use record::{DEFAULT_STREAM, STREAM_KEYS, TIME_KEYS};
use record::{RecordRules, fill_record};

/// What one input line was.
#[derive(Debug)]
#[non_exhaustive]
pub enum Pulled {
    /// A row: the row (or record) passed in now holds it.
    Row,
    /// A line with nothing but whitespace.
    Blank,
    /// A line that could not be read as a row; the error names the line (and column).
    Bad(IngestError),
}

/// What [`read_line`] found.
enum LineRead {
    Eof,
    Line,
    /// A line longer than the budget, consumed without keeping it.
    TooLong,
}

/// Reads one line (without its `\n` or `\r\n`) into `buf`, keeping at most `cap` bytes; a
/// longer line is consumed to its end and reported as [`LineRead::TooLong`].
///
/// `next_buffered` is set to whether the input's buffer still holds the whole next line (its
/// `\n` included) after this one: then the next call returns without reading from the source,
/// since [`BufRead::fill_buf`] reads only once the buffer is empty. Otherwise (a partial line
/// or nothing left, the end of the input, an error) it is false: the next call may wait for
/// input.
fn read_line<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    cap: u64,
    next_buffered: &mut bool,
) -> io::Result<LineRead> {
    buf.clear();
    *next_buffered = false;
    let mut seen = false;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        seen = true;
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (available.get(..i).unwrap_or_default(), Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if (buf.len() + chunk.len()) as u64 > cap {
                too_long = true;
                buf.clear();
            } else {
                buf.try_reserve(chunk.len())
                    .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
                buf.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(available.len());
        if done.is_some() {
            *next_buffered = available
                .get(used..)
                .is_some_and(|rest| memchr::memchr(b'\n', rest).is_some());
            input.consume(used);
            break;
        }
        input.consume(used);
    }
    if !seen {
        return Ok(LineRead::Eof);
    }
    if too_long {
        return Ok(LineRead::TooLong);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(LineRead::Line)
}

fn io_failure(e: io::Error, line: u64) -> IngestError {
    crate::source::io_error(e, Location::default().with_line(line), None)
}

fn too_long(line: u64, limits: &Limits) -> Pulled {
    Pulled::Bad(IngestError::limit(
        Location::default().with_line(line),
        LimitKind::LineBytes,
        limits.max_line_bytes,
    ))
}

/// The date pattern of `options`, compiled.
fn date_pattern(options: &ReadOptions) -> Result<Option<DatePattern>, IngestError> {
    options
        .date_format()
        .map(|p| {
            DatePattern::new(p).map_err(|message| IngestError::InvalidOptions {
                location: Box::new(Location::default()),
                message: format!("--date-format `{p}`: {message}"),
            })
        })
        .transpose()
}

/// Lines up to this many bytes are split by one scalar pass.
const SHORT_LINE: usize = 256;

/// One CSV row, reused from line to line ([`CsvRows::next_row`]).
#[derive(Debug, Clone, Default)]
pub struct CsvRow {
    line: u64,
    cells: Vec<u8>,
    ends: Vec<usize>,
    unclosed_quote: bool,
    /// The cells are the raw line: each field starts one byte (a delimiter) after the
    /// previous end.
    skip_delimiters: bool,
}

impl CsvRow {
    /// The 1-based input line.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True for a row with no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i` (quotes removed, `""` unescaped).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? + usize::from(self.skip_delimiters),
        };
        self.cells.get(start..end)
    }

    /// True when a quote opened on this line was still open at its end (the field ended
    /// there).
    pub fn had_unclosed_quote(&self) -> bool {
        self.unclosed_quote
    }

    /// Splits the line held in `cells` at `delimiter` in place; a line with quotes is
    /// unquoted through `scratch`.
    fn split_in_place(&mut self, delimiter: u8, scratch: &mut Vec<u8>) {
        self.ends.clear();
        self.unclosed_quote = false;
        if self.cells.len() <= SHORT_LINE {
            // One scalar pass finds the delimiters and any quote: cheaper than two memchr
            // scans (each with its vector setup) on the short lines of a stream.
            let mut quoted = false;
            for (i, &b) in self.cells.iter().enumerate() {
                if b == delimiter {
                    self.ends.push(i);
                } else if b == b'"' {
                    quoted = true;
                    break;
                }
            }
            if !quoted {
                self.ends.push(self.cells.len());
                self.skip_delimiters = true;
                return;
            }
            self.ends.clear();
        } else if memchr::memchr(b'"', &self.cells).is_none() {
            // A delimiter at i ends the field before it (exclusive ends).
            self.ends
                .extend(memchr::memchr_iter(delimiter, &self.cells));
            self.ends.push(self.cells.len());
            self.skip_delimiters = true;
            return;
        }
        self.skip_delimiters = false;
        std::mem::swap(&mut self.cells, scratch);
        let line = std::mem::take(scratch);
        self.split(&line, delimiter);
        *scratch = line;
    }

    /// Splits `line` at `delimiter`, RFC 4180 quotes within the line.
    fn split(&mut self, line: &[u8], delimiter: u8) {
        self.cells.clear();
        self.ends.clear();
        self.unclosed_quote = false;
        self.skip_delimiters = false;
        let mut i = 0;
        loop {
            if line.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match line.get(i) {
                        None => {
                            self.unclosed_quote = true;
                            break;
                        }
                        Some(b'"') if line.get(i + 1) == Some(&b'"') => {
                            self.cells.push(b'"');
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(&b) => {
                            self.cells.push(b);
                            i += 1;
                        }
                    }
                }
            }
            // Unquoted bytes (or bytes after a closing quote) up to the delimiter.
            let rest = line.get(i..).unwrap_or_default();
            match memchr::memchr(delimiter, rest) {
                Some(k) => {
                    self.cells
                        .extend_from_slice(rest.get(..k).unwrap_or_default());
                    self.ends.push(self.cells.len());
                    i += k + 1;
                }
                None => {
                    self.cells.extend_from_slice(rest);
                    self.ends.push(self.cells.len());
                    return;
                }
            }
        }
    }
}

/// CSV rows pulled one line at a time (see the [module docs](self)).
#[derive(Debug)]
pub struct CsvRows<R> {
    input: R,
    line: u64,
    buf: Vec<u8>,
    delimiter: u8,
    headers: Vec<String>,
    time: Option<usize>,
    stream: Option<usize>,
    limits: Limits,
    decimal_comma: bool,
    missing: Vec<String>,
    pattern: Option<DatePattern>,
    times: TimestampParser,
    before_rows: (u64, u64),
    next_buffered: bool,
}

impl<R: BufRead> CsvRows<R> {
    /// Reads the header: [`ReadOptions::skip_rows`] lines are skipped first, then blank
    /// lines; the delimiter is the option's, else the one of `,` `\t` `;` `|` the header
    /// holds most of. The time column is the first header among [`TIME_KEYS`] (or
    /// `TIME_COLUMN_NAMES`), the stream column the first among [`STREAM_KEYS`] (or the
    /// options' stream field), compared case-insensitively.
    ///
    /// # Errors
    /// [`IngestError::Io`] when reading fails; [`IngestError::Unsupported`] for UTF-16 input;
    /// [`IngestError::Limit`] for a header over the line budget;
    /// [`IngestError::InvalidOptions`] for a stream field that is not a column, or a bad
    /// date pattern.
    pub fn new(mut input: R, options: &ReadOptions) -> Result<Self, IngestError> {
        let limits = *options.limits();
        let mut buf = Vec::new();
        let mut line = 0u64;
        let mut skipped = 0u64;
        let mut blank = 0u64;
        let mut next_buffered = false;
        let header = loop {
            line += 1;
            match read_line(
                &mut input,
                &mut buf,
                limits.max_line_bytes,
                &mut next_buffered,
            )
            .map_err(|e| io_failure(e, line))?
            {
                LineRead::Eof => break None,
                LineRead::TooLong => {
                    return Err(IngestError::limit(
                        Location::default().with_line(line),
                        LimitKind::LineBytes,
                        limits.max_line_bytes,
                    ));
                }
                LineRead::Line => {}
            }
            if line == 1
                && let Some(e) = crate::sniff::utf16_error(&buf, None)
            {
                return Err(e);
            }
            if line <= options.skip_rows() as u64 {
                skipped += 1;
                continue;
            }
            if buf.trim_ascii().is_empty() {
                blank += 1;
                continue;
            }
            break Some(crate::sniff::strip_bom(&buf).to_vec());
        };
        let header = header.unwrap_or_default();
        let delimiter = options.delimiter().unwrap_or_else(|| {
            let mut best = (0, b',');
            for d in crate::sniff::DELIMITERS {
                let n = memchr::memchr_iter(d, &header).count();
                if n > best.0 {
                    best = (n, d);
                }
            }
            best.1
        });
        let mut split = CsvRow::default();
        split.split(&header, delimiter);
        let headers: Vec<String> = (0..split.len())
            .map(|i| {
                String::from_utf8_lossy(split.get(i).unwrap_or_default())
                    .trim()
                    .to_owned()
            })
            .collect();
        if headers.len() as u64 > limits.max_columns {
            return Err(IngestError::limit(
                Location::default().with_line(line),
                LimitKind::Columns,
                limits.max_columns,
            ));
        }
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| headers.iter().position(|h| h.eq_ignore_ascii_case(n)))
        };
        let time = find(&TIME_KEYS).or_else(|| find(&cell::TIME_COLUMN_NAMES));
        let stream = match options.stream_field() {
            Some(f) => Some(headers.iter().position(|h| h == f).ok_or_else(|| {
                IngestError::InvalidOptions {
                    location: Box::new(Location::default().with_line(line)),
                    message: format!(
                        "--stream-field `{f}`: no such CSV column (columns: {})",
                        headers.join(", ")
                    ),
                }
            })?),
            None => find(&STREAM_KEYS),
        };
        Ok(CsvRows {
            input,
            line: if header.is_empty() { line - 1 } else { line },
            buf,
            delimiter,
            headers,
            time,
            stream,
            limits,
            decimal_comma: options.decimal() == Some(b','),
            missing: options.missing_markers().to_vec(),
            pattern: date_pattern(options)?,
            times: TimestampParser::new(),
            before_rows: (skipped, blank),
            next_buffered,
        })
    }

    /// The column names.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The time column, if any.
    pub fn time_column(&self) -> Option<usize> {
        self.time
    }

    /// The stream column, if any.
    pub fn stream_column(&self) -> Option<usize> {
        self.stream
    }

    /// The delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Lines before the first row: (skipped by `skip_rows`, blank, header: 0 or 1).
    pub fn lines_before_rows(&self) -> (u64, u64, u64) {
        let (skipped, blank) = self.before_rows;
        (skipped, blank, u64::from(!self.headers.is_empty()))
    }

    /// Whether the next line is already whole in the input's buffer, so that
    /// [`CsvRows::next_row`] will return without reading from the source. When false, the next
    /// call may wait for input (a pipe or socket fed live): a caller writing output as it goes
    /// flushes it first, so that nothing it has written waits on input that may be slow to
    /// come, and writes many rows' output at once while input is plentiful. See
    /// [`NdjsonRows::next_line_buffered`].
    pub fn next_line_buffered(&self) -> bool {
        self.next_buffered
    }

    /// Reads the next line into `row`: `Ok(None)` at the end of the input.
    ///
    /// # Errors
    /// Only for an I/O failure or a broken decompression budget, after which the reader
    /// is done; a bad line is [`Pulled::Bad`].
    pub fn next_row(&mut self, row: &mut CsvRow) -> Result<Option<Pulled>, IngestError> {
        self.line += 1;
        let line = self.line;
        row.line = line;
        row.ends.clear();
        match read_line(
            &mut self.input,
            &mut row.cells,
            self.limits.max_line_bytes,
            &mut self.next_buffered,
        )
        .map_err(|e| io_failure(e, line))?
        {
            LineRead::Eof => return Ok(None),
            LineRead::TooLong => return Ok(Some(too_long(line, &self.limits))),
            LineRead::Line => {}
        }
        if row.cells.trim_ascii().is_empty() {
            return Ok(Some(Pulled::Blank));
        }
        row.split_in_place(self.delimiter, &mut self.buf);
        if row.len() != self.headers.len() {
            return Ok(Some(Pulled::Bad(IngestError::Ragged {
                location: Box::new(Location::default().with_line(line)),
                expected: self.headers.len(),
                found: row.len(),
            })));
        }
        Ok(Some(Pulled::Row))
    }

    fn cell_error(&self, row: &CsvRow, column: usize, expected: &str) -> IngestError {
        IngestError::Cell {
            location: Box::new(
                Location::default()
                    .with_line(row.line)
                    .with_column(self.headers.get(column).cloned().unwrap_or_default()),
            ),
            expected: expected.to_owned(),
            found: excerpt(row.get(column).unwrap_or_default()),
        }
    }

    /// Column `column` of `row` as a number (NaN for an empty cell or a missing marker),
    /// with the options' decimal mark.
    ///
    /// # Errors
    /// [`IngestError::Cell`] naming the line and column.
    pub fn number(&self, row: &CsvRow, column: usize) -> Result<f64, IngestError> {
        let cell = row.get(column).unwrap_or_default();
        if self.decimal_comma {
            let text = std::str::from_utf8(cell).unwrap_or("");
            if let Some(v) = parse_comma_decimal(text) {
                return Ok(v);
            }
        } else if let Number::Value(v) = cell::parse_number(cell) {
            return Ok(v);
        }
        let t = cell.trim_ascii();
        if cell::is_missing(t) || self.missing.iter().any(|m| m.trim().as_bytes() == t) {
            return Ok(f64::NAN);
        }
        Err(self.cell_error(row, column, "a number"))
    }

    /// Column `column` of `row` as text.
    ///
    /// # Errors
    /// [`IngestError::Cell`] when it is not UTF-8.
    pub fn text<'r>(&self, row: &'r CsvRow, column: usize) -> Result<&'r str, IngestError> {
        std::str::from_utf8(row.get(column).unwrap_or_default())
            .map_err(|_| self.cell_error(row, column, "UTF-8 text"))
    }

    /// The row's stream id: its stream column, else [`DEFAULT_STREAM`] (also for a cell
    /// that is not UTF-8, which [`CsvRows::text`] reports).
    pub fn stream<'r>(&self, row: &'r CsvRow) -> &'r str {
        match self.stream {
            Some(c) => {
                std::str::from_utf8(row.get(c).unwrap_or_default()).unwrap_or(DEFAULT_STREAM)
            }
            None => DEFAULT_STREAM,
        }
    }

    /// The row's time, if there is a time column.
    ///
    /// # Errors
    /// [`IngestError::Cell`] naming the line and column for an unreadable time.
    pub fn time(&mut self, row: &CsvRow) -> Result<Option<Timestamp>, IngestError> {
        let Some(c) = self.time else {
            return Ok(None);
        };
        let cell = row.get(c).unwrap_or_default();
        if self.pattern.is_none()
            && let Ok(t) = self.times.parse_bytes(cell)
        {
            return Ok(Some(t));
        }
        let text = std::str::from_utf8(cell).unwrap_or("");
        record::text_time(text, self.pattern.as_ref())
            .map(Some)
            .map_err(|why| self.cell_error(row, c, &format!("a timestamp ({why})")))
    }
}

#[cfg(test)]
mod tests;
