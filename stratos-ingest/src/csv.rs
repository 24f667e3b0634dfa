//! CSV and TSV into a [`Frame`].
//!
//! The reader works on the whole input in memory:
//!
//! 1. strip a UTF-8 byte order mark; sniff the delimiter and the header unless given;
//! 2. infer column types from the first [`SAMPLE_ROWS`] rows ([`Tally`]);
//! 3. parse every row into typed columns. When the data holds no quote character and no
//!    carriage return outside `\r\n`, rows are lines and fields split at the delimiter, so
//!    the input is cut at line breaks into blocks parsed on all cores and appended in order;
//!    otherwise the `csv` crate tokenizes it (RFC 4180 quotes, quoted line breaks) on one
//!    core, reusing one `ByteRecord`;
//! 4. if a row after the sample contradicts its column's sampled type (text in a numeric
//!    column), that column's type is inferred again over the whole input and step 3 reruns.
//!
//! Steps 1 and 2 read lines the same way when the whole input is quote-free
//! ([`sniff::lines_are_records`]), so a small file never builds a `csv` tokenizer: its
//! set-up (about 0.27 M instructions each; seven of them before) was most of the cost of
//! reading a 1 000-row file.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use stratos_core::Frame;

mod input;
use input::*;

use crate::cell;
use crate::convert::{self, CellRules};
use crate::error::{IngestError, excerpt};
use crate::frame_builder::{Assembled, Block, Inferred, Kind, Plan, RowError, RowErrorKind, Tally};
use crate::limits::{LimitKind, Limits};
use crate::location::Location;
use crate::sniff::{
    self, HEADER_RECORDS, csv_reader, is_blank_line, is_blank_record, lines_are_records,
};

/// Rows read to infer column types before the typed parse.
pub const SAMPLE_ROWS: usize = 1000;

/// Target size of the pieces the input is cut into for parallel parsing.
const BLOCK_BYTES: usize = 1 << 20;

/// The most threads a read uses.
const MAX_THREADS: usize = 8;

/// CSV settings from [`crate::ReadOptions`].
#[derive(Debug, Clone, Default)]
pub(crate) struct CsvSettings {
    pub(crate) delimiter: Option<u8>,
    pub(crate) header: Option<bool>,
    pub(crate) skip_rows: usize,
    pub(crate) limits: Limits,
    pub(crate) rules: CellRules,
}

impl CsvSettings {
    pub(crate) fn from_options(options: &crate::ReadOptions) -> Self {
        CsvSettings {
            delimiter: options.delimiter(),
            header: options.header(),
            skip_rows: options.skip_rows(),
            limits: *options.limits(),
            rules: CellRules {
                decimal: options.decimal(),
                guess_decimal_comma: false,
                missing: options.missing_markers().to_vec(),
                date_format: options.date_format().map(str::to_owned),
            },
        }
    }
}

/// Lines and the longest line of `bytes`, one pass.
fn line_stats(bytes: &[u8]) -> (u64, u64, usize) {
    let mut lines = 0u64;
    let mut longest = 0u64;
    let mut longest_at = 0usize;
    let mut start = 0usize;
    for i in memchr::memchr_iter(b'\n', bytes) {
        lines += 1;
        let len = (i - start) as u64;
        if len > longest {
            longest = len;
            longest_at = start;
        }
        start = i + 1;
    }
    let tail = (bytes.len() - start.min(bytes.len())) as u64;
    if tail > 0 {
        lines += 1;
        if tail > longest {
            longest = tail;
            longest_at = start;
        }
    }
    (lines, longest, longest_at)
}

/// The offset of a quote that opens a field and is never closed, if any (RFC 4180: a
/// quote opens a field only as its first byte; `""` inside is an escaped quote).
fn unclosed_quote(bytes: &[u8], delimiter: u8) -> Option<usize> {
    // `i` is always at the start of a field.
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'"') {
            let open = i;
            i += 1;
            loop {
                let Some(k) = memchr::memchr(b'"', bytes.get(i..).unwrap_or_default()) else {
                    return Some(open);
                };
                i += k + 1;
                if bytes.get(i) == Some(&b'"') {
                    i += 1;
                    continue;
                }
                break;
            }
        }
        // Skip to the next field: past the next delimiter or line break.
        match memchr::memchr2(delimiter, b'\n', bytes.get(i..).unwrap_or_default()) {
            Some(k) => i += k + 1,
            None => return None,
        }
    }
    None
}

/// Reads delimited text into a frame.
pub(crate) fn read_csv(
    bytes: &[u8],
    settings: &CsvSettings,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let mut bytes = sniff::strip_bom(bytes);
    for _ in 0..settings.skip_rows {
        bytes = match memchr::memchr(b'\n', bytes) {
            Some(i) => bytes.get(i + 1..).unwrap_or_default(),
            None => &[],
        };
    }
    let limits = &settings.limits;
    let (lines, longest, longest_at) = line_stats(bytes);
    let line_at = |offset: usize| {
        settings.skip_rows as u64
            + 1
            + memchr::memchr_iter(b'\n', bytes.get(..offset).unwrap_or_default()).count() as u64
    };
    if longest > limits.max_line_bytes {
        return Err(IngestError::limit(
            Location::source(source).with_line(line_at(longest_at)),
            LimitKind::LineBytes,
            limits.max_line_bytes,
        ));
    }
    // Quote-free input with no lone carriage return: records are lines, read without the
    // `csv` tokenizer from sniffing to the last row.
    let as_lines = lines_are_records(bytes);
    let delimiter = match settings.delimiter {
        Some(d @ (b'"' | b'\r' | b'\n')) => {
            return Err(IngestError::InvalidOptions {
                location: Box::new(Location::source(source)),
                message: format!(
                    "the delimiter cannot be {:?} (a quote or line break)",
                    char::from(d)
                ),
            });
        }
        Some(d) => d,
        None => sniff::sniff_delimiter(bytes, as_lines),
    };
    if !as_lines
        && memchr::memchr(b'"', bytes).is_some()
        && let Some(open) = unclosed_quote(bytes, delimiter)
    {
        return Err(IngestError::Csv {
            location: Box::new(Location::source(source).with_line(line_at(open))),
            source: "a quoted field opens here and is never closed (every later row would \
                     be swallowed into it): close the quote or escape it as `\"\"`"
                .into(),
        });
    }
    let input = Input {
        bytes,
        delimiter,
        source,
        start: 0,
        line_base: settings.skip_rows as u64,
        rows_are_lines: as_lines,
    };

    // The first non-blank record (the header, or the first data row) and where it ends.
    let (first, header_end) = if as_lines {
        first_line(bytes, delimiter)
    } else {
        let mut reader = csv_reader(bytes, delimiter);
        let mut record = csv::ByteRecord::new();
        let first = loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) if is_blank_record(&record) => {}
                Ok(true) => break Some(record.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()),
                Ok(false) => break None,
                Err(e) => {
                    let offset = e.position().map_or(0, |p| to_usize(p.byte()));
                    return Err(input.error(&[], &[], offset, RowErrorKind::Csv(e)));
                }
            }
        };
        (first, to_usize(reader.position().byte()))
    };
    let Some(first) = first else {
        // Empty input (or only blank lines): an empty frame with no columns.
        return Frame::builder().build().map_err(|e| input.frame_error(e));
    };
    let header = match settings.header {
        Some(h) => h,
        None => {
            let comma = match settings.rules.decimal {
                Some(d) => d == b',',
                None => delimiter == b';',
            };
            let markers = &settings.rules.missing;
            sniff::sniff_header_with(
                &sniff::head_records(bytes, delimiter, HEADER_RECORDS, as_lines),
                |c| {
                    let text = std::str::from_utf8(c).unwrap_or("").trim();
                    markers.iter().any(|m| m.trim() == text)
                        || (comma && convert::parse_comma_decimal(text).is_some())
                },
            )
        }
    };
    let (names, start) = if header {
        (header_names(&first), header_end)
    } else {
        (
            (1..=first.len()).map(|j| format!("column_{j}")).collect(),
            0,
        )
    };
    let region = bytes.get(start..).unwrap_or_default();
    // Rows from `start` on are lines when the whole input is, or when only the header
    // (quoted, say) is not.
    let input = Input {
        start,
        rows_are_lines: as_lines || lines_are_records(region),
        ..input
    };
    if names.len() as u64 > limits.max_columns {
        return Err(IngestError::limit(
            Location::source(source).with_line(line_at(0)),
            LimitKind::Columns,
            limits.max_columns,
        ));
    }
    if lines.saturating_mul(names.len() as u64) > limits.max_cells {
        return Err(IngestError::limit(
            Location::source(source),
            LimitKind::Cells,
            limits.max_cells,
        ));
    }
    let mut rules = settings.rules.clone();
    rules.guess_decimal_comma = delimiter == b';';

    // Infer types from a sample.
    let mut sampler = Sampler {
        tallies: names
            .iter()
            .map(|n| Tally::new(cell::is_time_name(n)))
            .collect(),
        rows: 0,
        stopped_at: None,
    };
    let complete = input
        .drive(start..bytes.len(), input.rows_are_lines, &mut sampler)
        .map_err(|e| input.error(&names, &[], e.offset, e.kind))?;
    let mut inferred: Vec<Inferred> = sampler.tallies.iter().map(Tally::inferred).collect();
    let mut exact = vec![complete; names.len()];
    let row_bytes = match sampler.stopped_at {
        Some(at) if sampler.rows > 0 => (at.saturating_sub(start) / sampler.rows).max(1),
        _ => region.len().max(1),
    };

    loop {
        let plan = Plan::new(names.clone(), &inferred);
        match input.parse(&plan, row_bytes) {
            Ok(assembled) => {
                let frame = assembled
                    .into_frame(&plan)
                    .map_err(|e| input.frame_error(e))?;
                return convert::apply(frame, &names, &rules, source);
            }
            Err(RowError {
                kind: RowErrorKind::Contradiction { column, .. },
                ..
            }) if !exact.get(column).copied().unwrap_or(true) => {
                let mut full = ColumnTally {
                    column,
                    expected: names.len(),
                    tally: Tally::new(names.get(column).is_some_and(|n| cell::is_time_name(n))),
                };
                input
                    .drive(start..bytes.len(), input.rows_are_lines, &mut full)
                    .map_err(|e| input.error(&names, &plan.kinds, e.offset, e.kind))?;
                if let (Some(i), Some(x)) = (inferred.get_mut(column), exact.get_mut(column)) {
                    *i = full.tally.inferred();
                    *x = true;
                }
            }
            Err(e) => return Err(input.error(&names, &plan.kinds, e.offset, e.kind)),
        }
    }
}

/// Header cells as column names: trimmed, `column_N` for empty ones, `_2`, `_3`… appended
/// to repeats.
fn header_names(cells: &[Vec<u8>]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    cells
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let text = String::from_utf8_lossy(c.trim_ascii()).into_owned();
            let base = if text.is_empty() {
                format!("column_{}", j + 1)
            } else {
                text
            };
            let mut name = base.clone();
            let mut k = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}_{k}");
                k += 1;
            }
            name
        })
        .collect()
}

/// The first non-blank line of quote-free `bytes` split at `delimiter`, and the offset just
/// after its line break (the end of the input when it has none).
fn first_line(bytes: &[u8], delimiter: u8) -> (Option<Vec<Vec<u8>>>, usize) {
    let mut pos = 0;
    while let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (rest.get(..i).unwrap_or_default(), pos + i + 1),
            None => (rest, bytes.len()),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !is_blank_line(line, delimiter) {
            let fields = line
                .split(|&b| b == delimiter)
                .map(<[u8]>::to_vec)
                .collect();
            return (Some(fields), next);
        }
        pos = next;
    }
    (None, bytes.len())
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// The fields of one line (no quotes in it): the pieces between delimiters.
///
/// Delimiters are found eight bytes at a time (the "has zero byte" bit trick on the line
/// XOR the delimiter repeated), which beats a byte loop on the short fields of typical rows.
#[derive(Debug, Clone)]
struct Fields<'a> {
    rest: &'a [u8],
    pattern: u64,
    delimiter: u8,
    done: bool,
}

impl<'a> Fields<'a> {
    fn new(line: &'a [u8], delimiter: u8) -> Self {
        Fields {
            rest: line,
            pattern: u64::from_ne_bytes([delimiter; 8]),
            delimiter,
            done: false,
        }
    }

    /// The index of the first delimiter in `rest`.
    #[inline]
    fn next_delimiter(&self) -> Option<usize> {
        const LOW: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut chunks = self.rest.chunks_exact(8);
        let mut at = 0;
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?) ^ self.pattern;
            // The lowest set bit marks the first zero byte exactly (borrows only run upward).
            let zero = word.wrapping_sub(LOW) & !word & HIGH;
            if zero != 0 {
                return Some(at + (zero.trailing_zeros() / 8) as usize);
            }
            at += 8;
        }
        let d = self.delimiter;
        chunks
            .remainder()
            .iter()
            .position(|&b| b == d)
            .map(|i| at + i)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.done {
            return None;
        }
        match self.next_delimiter() {
            Some(i) => {
                let field = self.rest.get(..i).unwrap_or_default();
                self.rest = self.rest.get(i + 1..).unwrap_or_default();
                Some(field)
            }
            None => {
                self.done = true;
                Some(self.rest)
            }
        }
    }
}

/// Receives rows from a driver.
trait RowVisitor {
    /// Takes one non-blank row starting at byte `offset`; `Ok(false)` stops the driver.
    fn row<'f, I>(&mut self, offset: usize, fields: I) -> Result<bool, RowError>
    where
        I: Iterator<Item = &'f [u8]>;
}

impl RowVisitor for Block {
    #[inline]
    fn row<'f, I>(&mut self, offset: usize, fields: I) -> Result<bool, RowError>
    where
        I: Iterator<Item = &'f [u8]>,
    {
        self.push_row(offset, fields).map(|()| true)
    }
}

/// Tallies every column over the first [`SAMPLE_ROWS`] rows.
struct Sampler {
    tallies: Vec<Tally>,
    rows: usize,
    stopped_at: Option<usize>,
}

impl RowVisitor for Sampler {
    fn row<'f, I>(&mut self, offset: usize, fields: I) -> Result<bool, RowError>
    where
        I: Iterator<Item = &'f [u8]>,
    {
        if self.rows == SAMPLE_ROWS {
            self.stopped_at = Some(offset);
            return Ok(false);
        }
        let found = tally_fields(&mut self.tallies, fields);
        ragged_check(offset, self.tallies.len(), found)?;
        self.rows += 1;
        Ok(true)
    }
}

fn tally_fields<'f>(tallies: &mut [Tally], fields: impl Iterator<Item = &'f [u8]>) -> usize {
    let mut found = 0;
    for (j, f) in fields.enumerate() {
        if let Some(t) = tallies.get_mut(j) {
            t.add(f);
        }
        found = j + 1;
    }
    found
}

fn ragged_check(offset: usize, expected: usize, found: usize) -> Result<(), RowError> {
    if found == expected {
        Ok(())
    } else {
        Err(RowError {
            offset,
            kind: RowErrorKind::Ragged { expected, found },
        })
    }
}

/// Tallies one column over the whole input.
struct ColumnTally {
    column: usize,
    expected: usize,
    tally: Tally,
}

impl RowVisitor for ColumnTally {
    fn row<'f, I>(&mut self, offset: usize, fields: I) -> Result<bool, RowError>
    where
        I: Iterator<Item = &'f [u8]>,
    {
        let mut found = 0;
        for (j, f) in fields.enumerate() {
            if j == self.column {
                self.tally.add(f);
            }
            found = j + 1;
        }
        ragged_check(offset, self.expected, found)?;
        Ok(true)
    }
}

/// Appends finished blocks in input order.
#[derive(Debug)]
struct Merger {
    next: usize,
    out: Assembled,
    error: Option<RowError>,
}

impl Merger {
    fn drain(&mut self, slots: &[Mutex<Option<Result<Block, RowError>>>]) {
        while self.error.is_none() {
            let Some(slot) = slots.get(self.next) else {
                return;
            };
            let taken = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            match taken {
                None => return,
                Some(Ok(block)) => {
                    self.out.append(block);
                    self.next += 1;
                }
                Some(Err(e)) => self.error = Some(e),
            }
        }
    }
}

#[cfg(test)]
mod tests;
