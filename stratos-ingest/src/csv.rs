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

use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use stratos_core::Frame;

use crate::cell;
use crate::convert::{self, CellRules};
use crate::error::{IngestError, excerpt};
use crate::frame_builder::{Assembled, Block, Inferred, Kind, Plan, RowError, RowErrorKind, Tally};
use crate::limits::{LimitKind, Limits};
use crate::location::Location;
use crate::sniff::{self, HEADER_RECORDS, csv_reader, is_blank_record};

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
        None => sniff::sniff_delimiter(bytes),
    };
    if memchr::memchr(b'"', bytes).is_some()
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
    };

    // The first non-blank record: the header, or the first data row.
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
    let Some(first) = first else {
        // Empty input (or only blank lines): an empty frame with no columns.
        return Frame::builder().build().map_err(|e| input.frame_error(e));
    };
    let header_end = to_usize(reader.position().byte());
    let header = match settings.header {
        Some(h) => h,
        None => {
            let comma = match settings.rules.decimal {
                Some(d) => d == b',',
                None => delimiter == b';',
            };
            let markers = &settings.rules.missing;
            sniff::sniff_header_with(
                &sniff::head_records(bytes, delimiter, HEADER_RECORDS),
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
    let input = Input { start, ..input };
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
        .drive_csv(start, &mut sampler)
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
                    .drive(start..bytes.len(), fast_path_ok(region), &mut full)
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

/// True when rows are exactly the lines: no quote character anywhere and every carriage
/// return part of a `\r\n`.
fn fast_path_ok(region: &[u8]) -> bool {
    memchr::memchr(b'"', region).is_none()
        && memchr::memchr_iter(b'\r', region).all(|i| region.get(i + 1) == Some(&b'\n'))
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

/// The input being read and how to tokenize it.
#[derive(Debug, Clone, Copy)]
struct Input<'a> {
    /// The whole input, byte order mark removed; offsets are into this.
    bytes: &'a [u8],
    delimiter: u8,
    source: Option<&'a str>,
    /// Where the data rows start.
    start: usize,
    /// Lines skipped before `bytes` (`--skip-rows`), added to reported lines.
    line_base: u64,
}

impl Input<'_> {
    /// Feeds the rows in `range` (which starts at a row) to `v`, as lines when `lines` (see
    /// [`fast_path_ok`]), else with the `csv` crate (to the end of the input); `Ok(true)`
    /// when the range was read to its end.
    fn drive<V: RowVisitor>(
        &self,
        range: Range<usize>,
        lines: bool,
        v: &mut V,
    ) -> Result<bool, RowError> {
        if lines {
            self.drive_lines(range, v)
        } else {
            self.drive_csv(range.start, v)
        }
    }

    /// Rows are lines split at the delimiter.
    fn drive_lines<V: RowVisitor>(&self, range: Range<usize>, v: &mut V) -> Result<bool, RowError> {
        let end = range.end.min(self.bytes.len());
        let region = self.bytes.get(..end).unwrap_or_default();
        let delimiter = self.delimiter;
        let mut pos = range.start;
        while pos < end {
            let rest = region.get(pos..).unwrap_or_default();
            let (mut line, next) = match memchr::memchr(b'\n', rest) {
                Some(i) => (rest.get(..i).unwrap_or_default(), pos + i + 1),
                None => (rest, end),
            };
            if let [head @ .., b'\r'] = line {
                line = head;
            }
            let blank = line.trim_ascii().is_empty() && !line.contains(&delimiter);
            if !blank && !v.row(pos, Fields::new(line, delimiter))? {
                return Ok(false);
            }
            pos = next;
        }
        Ok(true)
    }

    /// Rows from the `csv` crate, one reused `ByteRecord`.
    fn drive_csv<V: RowVisitor>(&self, start: usize, v: &mut V) -> Result<bool, RowError> {
        let region = self.bytes.get(start..).unwrap_or_default();
        let mut reader = csv_reader(region, self.delimiter);
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return Ok(true),
                Err(e) => {
                    let at = e.position().map_or(reader.position().byte(), |p| p.byte());
                    return Err(RowError {
                        offset: start.saturating_add(to_usize(at)),
                        kind: RowErrorKind::Csv(e),
                    });
                }
            }
            if is_blank_record(&record) {
                continue;
            }
            let offset = start.saturating_add(record.position().map_or(0, |p| to_usize(p.byte())));
            if !v.row(offset, record.iter())? {
                return Ok(false);
            }
        }
    }

    /// Parses every data row with `plan`'s types.
    fn parse(&self, plan: &Plan, row_bytes: usize) -> Result<Assembled, RowError> {
        let len = self.bytes.len();
        let rows_estimate = len.saturating_sub(self.start) / row_bytes + 1;
        // Inputs of one block never ask for the core count (a few system calls).
        let threads = if len.saturating_sub(self.start) > BLOCK_BYTES {
            std::thread::available_parallelism()
                .map_or(1, NonZeroUsize::get)
                .min(MAX_THREADS)
        } else {
            1
        };
        if threads > 1 {
            let ranges = self.blocks();
            if ranges.len() > 1 {
                let threads = threads.min(ranges.len());
                match self.parse_parallel(plan, &ranges, threads, row_bytes, rows_estimate) {
                    Err(RowError {
                        kind: RowErrorKind::NotLines,
                        ..
                    }) => {}
                    done => return done,
                }
            }
        }
        let region = self.bytes.get(self.start..).unwrap_or_default();
        let mut block = Block::new(plan, rows_estimate);
        self.drive(self.start..len, fast_path_ok(region), &mut block)?;
        let mut out = Assembled::new(plan, 0);
        out.append(block);
        Ok(out)
    }

    /// The data region cut just after line breaks into pieces of about [`BLOCK_BYTES`].
    fn blocks(&self) -> Vec<Range<usize>> {
        let len = self.bytes.len();
        let mut ranges = Vec::new();
        let mut begin = self.start;
        while begin < len {
            let target = begin.saturating_add(BLOCK_BYTES);
            let end = if target >= len {
                len
            } else {
                self.bytes
                    .get(target..)
                    .and_then(|rest| memchr::memchr(b'\n', rest))
                    .map_or(len, |i| target + i + 1)
            };
            ranges.push(begin..end);
            begin = end;
        }
        ranges
    }

    /// Parses blocks on `threads` threads; whichever thread finishes a block appends every
    /// finished block that is next in input order, so appending overlaps parsing.
    ///
    /// Each block first checks that its rows are lines ([`fast_path_ok`]); a block that
    /// fails the check fails the whole parse with [`RowErrorKind::NotLines`] (unless an
    /// earlier block has a real error), and the caller parses serially with the `csv` crate.
    /// Blocks before it had no quotes, so they started at rows and their errors stand.
    fn parse_parallel(
        &self,
        plan: &Plan,
        ranges: &[Range<usize>],
        threads: usize,
        row_bytes: usize,
        rows_estimate: usize,
    ) -> Result<Assembled, RowError> {
        let slots: Vec<Mutex<Option<Result<Block, RowError>>>> =
            ranges.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let first_error = AtomicUsize::new(usize::MAX);
        let merger = Mutex::new(Merger {
            next: 0,
            out: Assembled::new(plan, rows_estimate),
            error: None,
        });
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        // Blocks after a failed one are not needed: the earliest error wins.
                        if i > first_error.load(Ordering::Relaxed) {
                            break;
                        }
                        let (Some(range), Some(slot)) = (ranges.get(i), slots.get(i)) else {
                            break;
                        };
                        let result =
                            if fast_path_ok(self.bytes.get(range.clone()).unwrap_or_default()) {
                                let mut block = Block::new(plan, range.len() / row_bytes + 16);
                                self.drive_lines(range.clone(), &mut block).map(|_| block)
                            } else {
                                Err(RowError {
                                    offset: range.start,
                                    kind: RowErrorKind::NotLines,
                                })
                            };
                        if result.is_err() {
                            first_error.fetch_min(i, Ordering::Relaxed);
                        }
                        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                        if let Ok(mut m) = merger.try_lock() {
                            m.drain(&slots);
                        }
                    }
                });
            }
        });
        let mut m = merger.into_inner().unwrap_or_else(PoisonError::into_inner);
        m.drain(&slots);
        match m.error {
            Some(e) => Err(e),
            None => Ok(m.out),
        }
    }

    /// The 1-based physical line of the row at `offset`.
    fn line_of(&self, offset: usize) -> u64 {
        // The csv crate may place a row at the line break before it.
        let mut at = offset.min(self.bytes.len());
        while matches!(self.bytes.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        let before = self.bytes.get(..at).unwrap_or_default();
        self.line_base + 1 + memchr::memchr_iter(b'\n', before).count() as u64
    }

    fn error(
        &self,
        names: &[String],
        kinds: &[Kind],
        offset: usize,
        kind: RowErrorKind,
    ) -> IngestError {
        let at = Location::source(self.source).with_line(self.line_of(offset));
        let column = |j: usize| {
            names
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("column_{}", j + 1))
        };
        match kind {
            RowErrorKind::Ragged { expected, found } => IngestError::Ragged {
                location: Box::new(at),
                expected,
                found,
            },
            RowErrorKind::Contradiction { column: j, cell } => IngestError::Cell {
                location: Box::new(at.with_column(column(j))),
                expected: match kinds.get(j) {
                    Some(Kind::Time { .. }) => "a timestamp",
                    Some(Kind::Numeric) => "a number",
                    _ => "text",
                }
                .to_owned(),
                found: excerpt(&cell),
            },
            RowErrorKind::MissingTime { column: j, cell } => IngestError::Cell {
                location: Box::new(at.with_column(column(j))),
                expected: "a timestamp (the time column cannot have missing cells)".to_owned(),
                found: excerpt(&cell),
            },
            RowErrorKind::Csv(e) => IngestError::Csv {
                location: Box::new(at),
                source: Box::new(e),
            },
            RowErrorKind::NotLines => IngestError::Csv {
                location: Box::new(at),
                source: "a quote or carriage return in data parsed as plain lines".into(),
            },
        }
    }

    fn frame_error(&self, source: stratos_core::FrameError) -> IngestError {
        IngestError::frame(self.source, source)
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
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Frame, IngestError> {
        read_csv(text.as_bytes(), &CsvSettings::default(), Some("t.csv"))
    }

    #[test]
    fn names_are_trimmed_filled_and_unique() {
        let cells: Vec<Vec<u8>> = [" a ", "", "a", "a_2", "a"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        assert_eq!(
            header_names(&cells),
            ["a", "column_2", "a_2", "a_2_2", "a_3"]
        );
    }

    #[test]
    fn fields_split_like_slice_split() {
        let lines: [&[u8]; 10] = [
            b"",
            b",",
            b"a",
            b"a,b",
            b",,,",
            b"2025-01-01T00:00:00Z,stream_09,519.1350",
            b"abcdefgh,",
            b"abcdefg,h",
            b"\xff\xfe,,\x80\x2c\x2d",
            b"0123456789abcdef0123456789abcdef",
        ];
        for line in lines {
            for d in [b',', b'\t', 0xff, 0x80, 0] {
                let got: Vec<&[u8]> = Fields::new(line, d).collect();
                let want: Vec<&[u8]> = line.split(|&b| b == d).collect();
                assert_eq!(got, want, "{line:?} {d}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fields_equal_slice_split_on_any_bytes(
            line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            d in proptest::prelude::any::<u8>(),
        ) {
            let got: Vec<&[u8]> = Fields::new(&line, d).collect();
            let want: Vec<&[u8]> = line.split(|&b| b == d).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn fast_path_needs_no_quotes_and_no_lone_cr() {
        assert!(fast_path_ok(b"a,b\r\n1,2\r\n"));
        assert!(!fast_path_ok(b"a,\"b\"\n"));
        assert!(!fast_path_ok(b"a,b\r1,2"));
        assert!(!fast_path_ok(b"a,b\r"));
    }

    #[test]
    fn blocks_cut_at_line_breaks_and_parse_like_one_piece() {
        let mut text = String::from("timestamp,stream_id,value\n");
        for i in 0..60_000 {
            text.push_str(&format!(
                "2025-01-01T00:{:02}:{:02}Z,s{},{}.5\n",
                (i / 60) % 60,
                i % 60,
                i % 7,
                i
            ));
        }
        let bytes = text.as_bytes();
        let input = Input {
            bytes,
            delimiter: b',',
            source: None,
            start: 26,
            line_base: 0,
        };
        let ranges = input.blocks();
        assert!(ranges.len() >= 2);
        for r in &ranges {
            assert!(r.start == 26 || bytes[r.start - 1] == b'\n');
        }
        assert_eq!(ranges.last().unwrap().end, bytes.len());
        let f = read(&text).unwrap();
        assert_eq!(f.len(), 60_000);
        let v = f.column("value").unwrap();
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64 + 0.5));
        let s = f.category("stream_id").unwrap();
        assert!((0..60_000).all(|i| s.get(i) == Some(format!("s{}", i % 7).as_str())));
    }

    #[test]
    fn a_ragged_row_in_a_later_block_reports_its_line() {
        let mut text = String::from("a,b\n");
        for i in 0..100_000 {
            text.push_str(&format!("{i},{i}\n"));
        }
        text.push_str("1,2,3\n");
        let e = read(&text).unwrap_err();
        assert_eq!(e.location().line, Some(100_002));
        assert!(matches!(
            e,
            IngestError::Ragged {
                expected: 2,
                found: 3,
                ..
            }
        ));
    }

    #[test]
    fn unclosed_quotes_are_found_only_at_field_starts() {
        assert_eq!(unclosed_quote(b"a,b\n1,\"x\n", b','), Some(6));
        assert_eq!(unclosed_quote(b"a,b\n1,\"x,\"\"y\"\n", b','), None);
        assert_eq!(unclosed_quote(b"a,b\n1,5\" pipe\n", b','), None);
        assert_eq!(unclosed_quote(b"\"a\nb\",c\n\"", b','), Some(8));
        assert_eq!(unclosed_quote(b"", b','), None);
    }

    #[test]
    fn rejects_quote_and_newline_delimiters() {
        for d in [b'"', b'\n', b'\r'] {
            let e = read_csv(
                b"a,b\n",
                &CsvSettings {
                    delimiter: Some(d),
                    ..Default::default()
                },
                None,
            )
            .unwrap_err();
            assert!(matches!(e, IngestError::InvalidOptions { .. }), "{e}");
        }
    }
}
