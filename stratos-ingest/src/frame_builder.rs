//! Column type inference and typed column builders shared by the readers.
//!
//! A reader infers each column's type with a [`Tally`], turns the types into a [`Plan`]
//! (which column is time, which are numeric, which are categories), parses rows into
//! [`Block`]s (one per thread-sized piece of the input), and appends the blocks in input
//! order to an [`Assembled`] frame.

use rustc_hash::FxHashMap;
use stratos_core::{CategoryColumn, Frame, FrameError, Timestamp};

use crate::cell::{self, Number, Time, TimeParser};
use crate::error::IngestError;
use crate::limits::{LimitKind, Limits};
use crate::location::Location;

/// The type a column's cells support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inferred {
    /// Every cell is missing: read as a numeric column of NaN.
    Empty,
    /// Every present cell is a calendar timestamp (or, in a column whose name says time, an
    /// integer epoch).
    Time,
    /// Every present cell is a number.
    Number,
    /// Anything else: text.
    Text,
}

/// Accumulates the evidence for a column's type, cell by cell.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    time_named: bool,
    present: u64,
    time_ok: bool,
    number_ok: bool,
    parser: TimeParser,
}

impl Tally {
    /// A tally for a column; `time_named` when its name says time (integers may be epochs).
    pub(crate) fn new(time_named: bool) -> Self {
        Tally {
            time_named,
            present: 0,
            time_ok: true,
            number_ok: true,
            parser: TimeParser::default(),
        }
    }

    /// Adds one cell.
    pub(crate) fn add(&mut self, cell: &[u8]) {
        if cell::is_missing(cell.trim_ascii()) {
            return;
        }
        self.present += 1;
        if self.time_ok {
            self.time_ok = matches!(self.parser.parse(cell, self.time_named), Time::Value(_));
        }
        if self.number_ok {
            self.number_ok = matches!(cell::parse_number(cell), Number::Value(_));
        }
    }

    /// The type the cells seen so far support.
    pub(crate) fn inferred(&self) -> Inferred {
        if self.present == 0 {
            Inferred::Empty
        } else if self.time_ok {
            Inferred::Time
        } else if self.number_ok {
            Inferred::Number
        } else {
            Inferred::Text
        }
    }
}

/// How a column is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// f64, NaN for missing.
    Numeric,
    /// The frame's time column.
    Time {
        /// Integer epochs are accepted (the column's name says time).
        allow_epoch: bool,
    },
    /// Text, dictionary-encoded.
    Category,
}

/// The columns' names and kinds.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) names: Vec<String>,
    pub(crate) kinds: Vec<Kind>,
}

impl Plan {
    /// The time column is the first time-typed column whose name says time, else the first
    /// time-typed column; other time-typed columns keep their text as categories.
    pub(crate) fn new(names: Vec<String>, inferred: &[Inferred]) -> Plan {
        let is_time = |i: &usize| inferred.get(*i) == Some(&Inferred::Time);
        let time = (0..names.len())
            .filter(is_time)
            .find(|&i| names.get(i).is_some_and(|n| cell::is_time_name(n)))
            .or_else(|| (0..names.len()).find(is_time));
        let kinds = (0..names.len())
            .map(|i| {
                if Some(i) == time {
                    Kind::Time {
                        allow_epoch: names.get(i).is_some_and(|n| cell::is_time_name(n)),
                    }
                } else {
                    match inferred.get(i) {
                        Some(Inferred::Empty | Inferred::Number) => Kind::Numeric,
                        _ => Kind::Category,
                    }
                }
            })
            .collect();
        Plan { names, kinds }
    }
}

/// A row that could not be added to a block.
#[derive(Debug)]
pub(crate) struct RowError {
    /// Byte offset of the row in the reader's input.
    pub(crate) offset: usize,
    pub(crate) kind: RowErrorKind,
}

/// What was wrong with a row.
#[derive(Debug)]
pub(crate) enum RowErrorKind {
    /// Wrong field count.
    Ragged { expected: usize, found: usize },
    /// A cell its column's (sampled) type does not admit.
    Contradiction { column: usize, cell: Vec<u8> },
    /// A missing cell in the time column.
    MissingTime { column: usize, cell: Vec<u8> },
    /// The csv crate's tokenizer failed.
    Csv(csv::Error),
    /// A block of the parallel line parser holds a quote or a lone carriage return: the
    /// input needs the `csv` crate's tokenizer.
    NotLines,
}

/// Why a cell was refused.
#[derive(Debug, Clone, Copy)]
enum CellIssue {
    Contradiction,
    MissingTime,
}

#[derive(Debug)]
enum Column {
    Numeric(Vec<f64>),
    Time {
        values: Vec<Timestamp>,
        allow_epoch: bool,
        parser: TimeParser,
    },
    Category {
        index: Dictionary,
        dictionary: Vec<Vec<u8>>,
        codes: Vec<u32>,
    },
}

/// A cell of at most 16 bytes as a fixed-size key: its first and last 8 bytes (overlapping
/// for 8 to 16 bytes, zero-padded below 8) and its length determine it, and compare without
/// a `memcmp` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShortKey {
    head: u64,
    tail: u64,
    len: u8,
}

impl ShortKey {
    #[inline]
    fn new(cell: &[u8]) -> Option<Self> {
        let len = cell.len();
        if len > 16 {
            return None;
        }
        let word = |b: &[u8]| -> u64 {
            match <[u8; 8]>::try_from(b) {
                Ok(w) => u64::from_le_bytes(w),
                Err(_) => b
                    .iter()
                    .rev()
                    .fold(0u64, |acc, &c| (acc << 8) | u64::from(c)),
            }
        };
        let (head, tail) = if len >= 8 {
            (
                word(cell.get(..8).unwrap_or_default()),
                word(cell.get(len - 8..).unwrap_or_default()),
            )
        } else {
            (word(cell), 0)
        };
        Some(ShortKey {
            head,
            tail,
            // At most 16.
            len: len as u8,
        })
    }
}

impl std::hash::Hash for ShortKey {
    /// One folded multiply of both words: cells such as `stream_01` … `stream_19` differ
    /// only in their last bytes, which a plain Fx hash leaves in the high bits, so the table
    /// would probe one group for all of them.
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        const K1: u64 = 0x9E37_79B9_7F4A_7C15;
        const K2: u64 = 0xD6E8_FEB8_6659_FD93;
        let m = u128::from(self.head ^ K1) * u128::from(self.tail ^ K2 ^ u64::from(self.len));
        state.write_u64((m as u64) ^ ((m >> 64) as u64));
    }
}

/// Distinct cells to their codes: short cells by [`ShortKey`], long ones by their bytes.
#[derive(Debug, Default)]
struct Dictionary {
    short: FxHashMap<ShortKey, u32>,
    long: FxHashMap<Vec<u8>, u32>,
}

impl Dictionary {
    /// The cell's code, inserting it with the code `next` when new; `true` when inserted.
    #[inline]
    fn code(&mut self, cell: &[u8], next: u32) -> (u32, bool) {
        let mut inserted = false;
        let code = match ShortKey::new(cell) {
            Some(k) => *self.short.entry(k).or_insert_with(|| {
                inserted = true;
                next
            }),
            None => match self.long.get(cell) {
                Some(&c) => c,
                None => {
                    inserted = true;
                    self.long.insert(cell.to_vec(), next);
                    next
                }
            },
        };
        (code, inserted)
    }
}

impl Column {
    fn new(kind: Kind, capacity: usize) -> Self {
        match kind {
            Kind::Numeric => Column::Numeric(Vec::with_capacity(capacity)),
            Kind::Time { allow_epoch } => Column::Time {
                values: Vec::with_capacity(capacity),
                allow_epoch,
                parser: TimeParser::default(),
            },
            Kind::Category => Column::Category {
                index: Dictionary::default(),
                dictionary: Vec::new(),
                codes: Vec::with_capacity(capacity),
            },
        }
    }

    #[inline]
    fn push(&mut self, cell: &[u8]) -> Result<(), CellIssue> {
        match self {
            Column::Numeric(values) => match cell::parse_number(cell) {
                Number::Value(v) => values.push(v),
                Number::Missing => values.push(f64::NAN),
                Number::Bad => return Err(CellIssue::Contradiction),
            },
            Column::Time {
                values,
                allow_epoch,
                parser,
            } => match parser.parse(cell, *allow_epoch) {
                Time::Value(t) => values.push(t),
                Time::Missing => return Err(CellIssue::MissingTime),
                Time::Bad => return Err(CellIssue::Contradiction),
            },
            Column::Category {
                index,
                dictionary,
                codes,
            } => {
                let code = if cell::is_missing(cell.trim_ascii()) {
                    CategoryColumn::MISSING
                } else {
                    // Saturating: u32::MAX distinct values cannot fit in memory anyway.
                    let next = u32::try_from(dictionary.len()).unwrap_or(CategoryColumn::MISSING);
                    let (code, inserted) = index.code(cell, next);
                    if inserted {
                        dictionary.push(cell.to_vec());
                    }
                    code
                };
                codes.push(code);
            }
        }
        Ok(())
    }
}

/// Typed columns for a run of consecutive rows.
#[derive(Debug)]
pub(crate) struct Block {
    columns: Vec<Column>,
}

impl Block {
    /// An empty block for `plan`, with room for `capacity` rows.
    pub(crate) fn new(plan: &Plan, capacity: usize) -> Self {
        Block {
            columns: plan
                .kinds
                .iter()
                .map(|&k| Column::new(k, capacity))
                .collect(),
        }
    }

    /// Adds a row whose first byte is at `offset`.
    ///
    /// # Errors
    /// A [`RowError`] for a wrong field count or a refused cell; the block is then unusable.
    #[inline]
    pub(crate) fn push_row<'f, I>(&mut self, offset: usize, mut fields: I) -> Result<(), RowError>
    where
        I: Iterator<Item = &'f [u8]>,
    {
        let expected = self.columns.len();
        for (j, col) in self.columns.iter_mut().enumerate() {
            let Some(cell) = fields.next() else {
                return Err(RowError {
                    offset,
                    kind: RowErrorKind::Ragged { expected, found: j },
                });
            };
            if let Err(issue) = col.push(cell) {
                let cell = cell.to_vec();
                let kind = match issue {
                    CellIssue::Contradiction => RowErrorKind::Contradiction { column: j, cell },
                    CellIssue::MissingTime => RowErrorKind::MissingTime { column: j, cell },
                };
                return Err(RowError { offset, kind });
            }
        }
        if fields.next().is_some() {
            return Err(RowError {
                offset,
                kind: RowErrorKind::Ragged {
                    expected,
                    found: expected + 1 + fields.count(),
                },
            });
        }
        Ok(())
    }
}

#[derive(Debug)]
enum FinalColumn {
    Numeric(Vec<f64>),
    Time(Vec<Timestamp>),
    /// A category column merged across blocks: the global dictionary, its lookup, and one
    /// global code per row. Each block's codes are remapped through a per-block table, so a
    /// row costs an array lookup, not a hash of its text.
    Category {
        dictionary: Vec<String>,
        index: rustc_hash::FxHashMap<String, u32>,
        codes: Vec<u32>,
    },
}

/// The frame's columns, appended block by block in input order.
#[derive(Debug)]
pub(crate) struct Assembled {
    columns: Vec<FinalColumn>,
}

impl Assembled {
    /// Empty columns for `plan`, numeric and time columns with room for `capacity` rows.
    pub(crate) fn new(plan: &Plan, capacity: usize) -> Self {
        Assembled {
            columns: plan
                .kinds
                .iter()
                .map(|k| match k {
                    Kind::Numeric => FinalColumn::Numeric(Vec::with_capacity(capacity)),
                    Kind::Time { .. } => FinalColumn::Time(Vec::with_capacity(capacity)),
                    Kind::Category => FinalColumn::Category {
                        dictionary: Vec::new(),
                        index: rustc_hash::FxHashMap::default(),
                        codes: Vec::with_capacity(capacity),
                    },
                })
                .collect(),
        }
    }

    /// Appends a block built for the same plan.
    pub(crate) fn append(&mut self, block: Block) {
        for (dst, src) in self.columns.iter_mut().zip(block.columns) {
            match (dst, src) {
                (FinalColumn::Numeric(d), Column::Numeric(s)) => extend_or_take(d, s),
                (FinalColumn::Time(d), Column::Time { values, .. }) => extend_or_take(d, values),
                (
                    FinalColumn::Category {
                        dictionary: global,
                        index,
                        codes: global_codes,
                    },
                    Column::Category {
                        dictionary, codes, ..
                    },
                ) => {
                    let remap: Vec<u32> = dictionary
                        .iter()
                        .map(|b| {
                            let text = String::from_utf8_lossy(b);
                            if let Some(&c) = index.get(text.as_ref()) {
                                return c;
                            }
                            // Saturates to MISSING only past u32::MAX - 1 distinct values.
                            let c = u32::try_from(global.len()).unwrap_or(CategoryColumn::MISSING);
                            if c != CategoryColumn::MISSING {
                                global.push(text.clone().into_owned());
                                index.insert(text.into_owned(), c);
                            }
                            c
                        })
                        .collect();
                    global_codes.extend(codes.iter().map(|&code| {
                        remap
                            .get(code as usize)
                            .copied()
                            .unwrap_or(CategoryColumn::MISSING)
                    }));
                }
                // Blocks are built from the same plan, so kinds always line up.
                _ => {}
            }
        }
    }

    /// Builds the frame: the time column, numeric columns and category columns, each in
    /// input order.
    pub(crate) fn into_frame(self, plan: &Plan) -> Result<Frame, FrameError> {
        let mut b = Frame::builder();
        let mut categories = Vec::new();
        for (col, name) in self.columns.into_iter().zip(&plan.names) {
            match col {
                FinalColumn::Time(values) => b = b.timestamps(name.as_str(), values),
                FinalColumn::Numeric(values) => b = b.numeric(name.as_str(), values),
                FinalColumn::Category {
                    dictionary, codes, ..
                } => categories.push(CategoryColumn::from_parts(
                    name.as_str(),
                    dictionary,
                    codes,
                )?),
            }
        }
        for c in categories {
            b = b.category(c);
        }
        b.build()
    }
}

/// Appends `src`, moving it instead when `dst` is empty and has no room reserved.
fn extend_or_take<T>(dst: &mut Vec<T>, src: Vec<T>) {
    if dst.is_empty() && dst.capacity() < src.len() {
        *dst = src;
    } else {
        dst.extend(src);
    }
}

/// Checks the frame a read is heading for against the budgets: distinct columns against
/// [`Limits::max_columns`], and rows × columns (the frame is dense: every row holds every
/// column) against [`Limits::max_cells`] and, at 8 bytes a cell, [`Limits::max_memory`].
/// Readers whose records bring their own keys (JSON, NDJSON, text logs) call it as columns
/// appear and before they build the dense columns, so a file where every record brings a
/// new key is refused in memory linear in the file, not quadratic.
pub(crate) fn check_shape(
    rows: usize,
    columns: usize,
    limits: &Limits,
    location: impl FnOnce() -> Location,
) -> Result<(), IngestError> {
    let (rows, columns) = (rows as u64, columns as u64);
    let cells = rows.saturating_mul(columns);
    let broke = if columns > limits.max_columns {
        Some(LimitKind::Columns)
    } else if cells > limits.max_cells {
        Some(LimitKind::Cells)
    } else if cells.saturating_mul(8) > limits.max_memory {
        Some(LimitKind::Memory)
    } else {
        None
    };
    match broke {
        Some(kind) => Err(IngestError::limit(location(), kind, limits.get(kind))),
        None => Ok(()),
    }
}

/// Columns of cells stored sparsely while records are read: each column holds only the
/// rows that have it, so memory follows the input, not rows × distinct keys.
#[derive(Debug)]
pub(crate) struct SparseColumns<C> {
    columns: Vec<Vec<(usize, C)>>,
}

impl<C> Default for SparseColumns<C> {
    fn default() -> Self {
        SparseColumns {
            columns: Vec::new(),
        }
    }
}

impl<C: Clone> SparseColumns<C> {
    /// Adds an empty column and returns its index.
    pub(crate) fn add_column(&mut self) -> usize {
        self.columns.push(Vec::new());
        self.columns.len() - 1
    }

    /// Sets column `j`'s cell in `row` (rows arrive in order; a second cell for the same
    /// row replaces the first).
    pub(crate) fn set(&mut self, row: usize, j: usize, cell: C) {
        if let Some(col) = self.columns.get_mut(j) {
            match col.last_mut() {
                Some((r, c)) if *r == row => *c = cell,
                _ => col.push((row, cell)),
            }
        }
    }

    /// The dense columns, `rows` long, `missing` where a row lacks the column. The caller
    /// checks the shape first ([`check_shape`]); the allocation itself is fallible too, so
    /// that memory the machine does not have is an [`IngestError::Limit`], not an abort.
    pub(crate) fn into_dense(
        self,
        rows: usize,
        missing: C,
        limits: &Limits,
        location: impl Fn() -> Location,
    ) -> Result<Vec<Vec<C>>, IngestError> {
        let oom = || IngestError::limit(location(), LimitKind::Memory, limits.max_memory);
        let mut out = Vec::new();
        out.try_reserve_exact(self.columns.len())
            .map_err(|_| oom())?;
        for col in self.columns {
            let mut dense = Vec::new();
            dense.try_reserve_exact(rows).map_err(|_| oom())?;
            dense.resize(rows, missing.clone());
            for (r, c) in col {
                if let Some(slot) = dense.get_mut(r) {
                    *slot = c;
                }
            }
            out.push(dense);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
