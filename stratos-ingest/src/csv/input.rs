//! [`Input`]: the bytes being read, tokenized into rows for the visitors, in parallel blocks.

use super::*;

/// The input being read and how to tokenize it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Input<'a> {
    /// The whole input, byte order mark removed; offsets are into this.
    pub(super) bytes: &'a [u8],
    pub(super) delimiter: u8,
    pub(super) source: Option<&'a str>,
    /// Where the data rows start.
    pub(super) start: usize,
    /// Lines skipped before `bytes` (`--skip-rows`), added to reported lines.
    pub(super) line_base: u64,
    /// `bytes[start..]` passes [`lines_are_records`] (checked once, by the caller): its rows
    /// are read as lines, and no part is checked again.
    pub(super) rows_are_lines: bool,
}

impl Input<'_> {
    /// Feeds the rows in `range` (which starts at a row) to `v`, as lines when `lines` (see
    /// [`lines_are_records`]), else with the `csv` crate (to the end of the input); `Ok(true)`
    /// when the range was read to its end.
    pub(super) fn drive<V: RowVisitor>(
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
    pub(super) fn drive_lines<V: RowVisitor>(
        &self,
        range: Range<usize>,
        v: &mut V,
    ) -> Result<bool, RowError> {
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
            let blank = is_blank_line(line, delimiter);
            if !blank && !v.row(pos, Fields::new(line, delimiter))? {
                return Ok(false);
            }
            pos = next;
        }
        Ok(true)
    }

    /// Rows from the `csv` crate, one reused `ByteRecord`.
    pub(super) fn drive_csv<V: RowVisitor>(
        &self,
        start: usize,
        v: &mut V,
    ) -> Result<bool, RowError> {
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
    pub(super) fn parse(&self, plan: &Plan, row_bytes: usize) -> Result<Assembled, RowError> {
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
        let mut block = Block::new(plan, rows_estimate);
        self.drive(self.start..len, self.rows_are_lines, &mut block)?;
        let mut out = Assembled::new(plan, 0);
        out.append(block);
        Ok(out)
    }

    /// The data region cut just after line breaks into pieces of about [`BLOCK_BYTES`].
    pub(super) fn blocks(&self) -> Vec<Range<usize>> {
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
    /// Each block first checks that its rows are lines ([`lines_are_records`]); a block that
    /// fails the check fails the whole parse with [`RowErrorKind::NotLines`] (unless an
    /// earlier block has a real error), and the caller parses serially with the `csv` crate.
    /// Blocks before it had no quotes, so they started at rows and their errors stand.
    pub(super) fn parse_parallel(
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
                        let block_bytes = self.bytes.get(range.clone()).unwrap_or_default();
                        let result = if self.rows_are_lines || lines_are_records(block_bytes) {
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
    pub(super) fn line_of(&self, offset: usize) -> u64 {
        // The csv crate may place a row at the line break before it.
        let mut at = offset.min(self.bytes.len());
        while matches!(self.bytes.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        let before = self.bytes.get(..at).unwrap_or_default();
        self.line_base + 1 + memchr::memchr_iter(b'\n', before).count() as u64
    }

    pub(super) fn error(
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

    pub(super) fn frame_error(&self, source: stratos_core::FrameError) -> IngestError {
        IngestError::frame(self.source, source)
    }
}
