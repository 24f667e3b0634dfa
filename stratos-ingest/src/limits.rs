//! Resource budgets for reading untrusted input ([`Limits`]).
//!
//! Every reader checks the budgets as it goes and stops with [`IngestError::Limit`]
//! (exit code 65 in the CLI) *before* an allocation would break one, so a hostile file
//! (a decompression bomb, a spreadsheet whose shared strings expand to gigabytes, a line of
//! a gigabyte, JSON nested a million deep) is an error, never an abort.
//!
//! [`IngestError::Limit`]: crate::IngestError::Limit

use std::fmt;

/// What a [`Limits`] budget bounds, named in [`IngestError::Limit`](crate::IngestError::Limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// Bytes after decompression (gzip, zstd, bzip2, zip members, PDF streams, spreadsheet
    /// XML parts).
    DecompressedBytes,
    /// Cells in the frame (rows × columns), repeated rows and columns included.
    Cells,
    /// Bytes held by a spreadsheet's shared-strings table.
    SharedStringBytes,
    /// Bytes in one line (CSV record, NDJSON line, log line).
    LineBytes,
    /// Nesting depth of JSON objects and arrays, or PDF objects.
    NestingDepth,
    /// Distinct column names (keys) across the records.
    Columns,
    /// Bytes of memory the read may hold at once (an estimate kept by the readers).
    Memory,
}

impl LimitKind {
    /// The CLI flag that raises this budget, if it has one.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            LimitKind::Cells => Some("--max-cells"),
            LimitKind::LineBytes => Some("--max-line-bytes"),
            LimitKind::Memory | LimitKind::DecompressedBytes | LimitKind::SharedStringBytes => {
                Some("--max-memory")
            }
            LimitKind::NestingDepth | LimitKind::Columns => None,
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::DecompressedBytes => "decompressed bytes",
            LimitKind::Cells => "cells",
            LimitKind::SharedStringBytes => "shared-string bytes",
            LimitKind::LineBytes => "bytes in one line",
            LimitKind::NestingDepth => "nesting depth",
            LimitKind::Columns => "distinct columns",
            LimitKind::Memory => "bytes of memory",
        })
    }
}

/// Budgets a read must stay within ([`ReadOptions::with_limits`](crate::ReadOptions::with_limits)).
///
/// The defaults suit a server reading uploads on a machine with a few GiB to spare; raise
/// them for bigger trusted files, lower them for tighter tenants.
///
/// # Examples
/// ```
/// use stratos_ingest::Limits;
/// let l = Limits::default().with_max_cells(1_000);
/// assert_eq!(l.max_cells, 1_000);
/// assert_eq!(l.max_line_bytes, Limits::DEFAULT_MAX_LINE_BYTES);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Bytes the input may expand to when decompressed. Defaults to 4 GiB.
    pub max_decompressed_bytes: u64,
    /// Cells (rows × columns, repeats included) in the frame. Defaults to 500 million.
    pub max_cells: u64,
    /// Bytes of a spreadsheet's shared-strings table. Defaults to 256 MiB.
    pub max_shared_string_bytes: u64,
    /// Bytes in one line. Defaults to 64 MiB.
    pub max_line_bytes: u64,
    /// Nesting depth of JSON values or PDF objects. Defaults to 128.
    pub max_nesting_depth: u32,
    /// Distinct columns (keys across records). Defaults to 10,000.
    pub max_columns: u64,
    /// Bytes of memory a read may hold at once, by the readers' own estimate. Defaults to
    /// 8 GiB.
    pub max_memory: u64,
}

impl Limits {
    /// Default of [`Limits::max_decompressed_bytes`].
    pub const DEFAULT_MAX_DECOMPRESSED_BYTES: u64 = 4 << 30;
    /// Default of [`Limits::max_cells`].
    pub const DEFAULT_MAX_CELLS: u64 = 500_000_000;
    /// Default of [`Limits::max_shared_string_bytes`].
    pub const DEFAULT_MAX_SHARED_STRING_BYTES: u64 = 256 << 20;
    /// Default of [`Limits::max_line_bytes`].
    pub const DEFAULT_MAX_LINE_BYTES: u64 = 64 << 20;
    /// Default of [`Limits::max_nesting_depth`].
    pub const DEFAULT_MAX_NESTING_DEPTH: u32 = 128;
    /// Default of [`Limits::max_columns`].
    pub const DEFAULT_MAX_COLUMNS: u64 = 10_000;
    /// Default of [`Limits::max_memory`].
    pub const DEFAULT_MAX_MEMORY: u64 = 8 << 30;

    /// No budget at all beyond what the machine has: for trusted input only.
    pub fn unlimited() -> Self {
        Limits {
            max_decompressed_bytes: u64::MAX,
            max_cells: u64::MAX,
            max_shared_string_bytes: u64::MAX,
            max_line_bytes: u64::MAX,
            max_nesting_depth: u32::MAX,
            max_columns: u64::MAX,
            max_memory: u64::MAX,
        }
    }

    /// Sets [`Limits::max_decompressed_bytes`].
    pub fn with_max_decompressed_bytes(mut self, n: u64) -> Self {
        self.max_decompressed_bytes = n;
        self
    }

    /// Sets [`Limits::max_cells`].
    pub fn with_max_cells(mut self, n: u64) -> Self {
        self.max_cells = n;
        self
    }

    /// Sets [`Limits::max_shared_string_bytes`].
    pub fn with_max_shared_string_bytes(mut self, n: u64) -> Self {
        self.max_shared_string_bytes = n;
        self
    }

    /// Sets [`Limits::max_line_bytes`].
    pub fn with_max_line_bytes(mut self, n: u64) -> Self {
        self.max_line_bytes = n;
        self
    }

    /// Sets [`Limits::max_nesting_depth`].
    pub fn with_max_nesting_depth(mut self, n: u32) -> Self {
        self.max_nesting_depth = n;
        self
    }

    /// Sets [`Limits::max_columns`].
    pub fn with_max_columns(mut self, n: u64) -> Self {
        self.max_columns = n;
        self
    }

    /// Sets [`Limits::max_memory`]; the decompressed-bytes and shared-string budgets are
    /// lowered to it when they exceed it.
    pub fn with_max_memory(mut self, n: u64) -> Self {
        self.max_memory = n;
        self.max_decompressed_bytes = self.max_decompressed_bytes.min(n);
        self.max_shared_string_bytes = self.max_shared_string_bytes.min(n);
        self
    }

    /// The budget for `kind`, as a number.
    pub fn get(&self, kind: LimitKind) -> u64 {
        match kind {
            LimitKind::DecompressedBytes => self.max_decompressed_bytes,
            LimitKind::Cells => self.max_cells,
            LimitKind::SharedStringBytes => self.max_shared_string_bytes,
            LimitKind::LineBytes => self.max_line_bytes,
            LimitKind::NestingDepth => u64::from(self.max_nesting_depth),
            LimitKind::Columns => self.max_columns,
            LimitKind::Memory => self.max_memory,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed_bytes: Self::DEFAULT_MAX_DECOMPRESSED_BYTES,
            max_cells: Self::DEFAULT_MAX_CELLS,
            max_shared_string_bytes: Self::DEFAULT_MAX_SHARED_STRING_BYTES,
            max_line_bytes: Self::DEFAULT_MAX_LINE_BYTES,
            max_nesting_depth: Self::DEFAULT_MAX_NESTING_DEPTH,
            max_columns: Self::DEFAULT_MAX_COLUMNS,
            max_memory: Self::DEFAULT_MAX_MEMORY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_caps_the_byte_budgets_and_get_reads_each() {
        let l = Limits::default().with_max_memory(1 << 20);
        assert_eq!(l.get(LimitKind::Memory), 1 << 20);
        assert_eq!(l.get(LimitKind::DecompressedBytes), 1 << 20);
        assert_eq!(l.get(LimitKind::SharedStringBytes), 1 << 20);
        assert_eq!(l.get(LimitKind::Cells), Limits::DEFAULT_MAX_CELLS);
        assert_eq!(LimitKind::Cells.flag(), Some("--max-cells"));
        assert_eq!(LimitKind::LineBytes.to_string(), "bytes in one line");
        assert_eq!(
            Limits::unlimited().get(LimitKind::NestingDepth),
            u64::from(u32::MAX)
        );
    }
}
