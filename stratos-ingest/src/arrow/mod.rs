//! Parquet and Arrow IPC, both ways (the `arrow` feature, built on arrow-rs).
//!
//! **Reading.** [`crate::read_path`] and [`crate::read_bytes`] read Parquet (`PAR1`) and
//! Arrow IPC files (`ARROW1`, Feather v2) and streams, told apart by their magic bytes
//! whatever the file is called ([`crate::Format::Parquet`], [`crate::Format::Arrow`]). All
//! row groups and record batches are read into one frame. Columns map as follows:
//!
//! | Arrow type | frame column |
//! | --- | --- |
//! | `Timestamp` (s, ms, µs, ns; with or without a zone), `Date32`, `Date64` | the time column: the first such column whose name says time ([`crate::TIME_COLUMN_NAMES`]), else the first; the instant in UTC (a zone only says how to show it; a zoneless timestamp is read as UTC; nanoseconds are floored to microseconds; dates at midnight) |
//! | other temporal columns | category, RFC 3339 text |
//! | integers, floats (16, 32, 64 bits), decimals, `Boolean` (1 and 0), durations, times of day | numeric (f64), null as NaN |
//! | `Utf8`, `LargeUtf8`, `Utf8View`, dictionary-encoded text | category, null as missing |
//! | `Null` | numeric, all NaN |
//! | binary, lists, structs, maps, unions | left out |
//!
//! A null in the time column is an [`IngestError::Cell`] naming the column and the row.
//!
//! **Untrusted files.** Before decoding, the sizes a file declares are checked against the
//! read's [`Limits`]: the footer against the file, rows × columns against
//! [`Limits::max_cells`], the column chunks' uncompressed sizes against
//! [`Limits::max_decompressed_bytes`], and every IPC block and message against the file's
//! length, so no buffer is sized from a length the file cannot back. The decoders run on a
//! thread of their own (named `stratos-arrow`): should arrow-rs or parquet still panic on a
//! malformed file, the panic becomes an [`IngestError::Arrow`] (see
//! [`crate::silence_contained_panics`]).
//!
//! **Writing.** A [`Frame`], or any [`Table`] of typed columns (a strategy's result rows),
//! becomes one Arrow [`RecordBatch`] and a Parquet file ([`write_parquet`],
//! [`Table::write_parquet`]) or an Arrow IPC file ([`write_ipc`], [`Table::write_ipc`]):
//! the time column as `Timestamp(Microsecond, "UTC")`, numbers as `Float64` (NaN as null),
//! flags as `Boolean`, text as `Dictionary(Int32, Utf8)` (missing as null). Reading a
//! written file gives the frame back.
//!
//! # Examples
//! ```
//! use stratos_core::{Frame, Timestamp};
//! use stratos_ingest::{read_bytes, ReadOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let frame = Frame::builder()
//!     .timestamps("time", vec![Timestamp::parse("2025-01-01")?, Timestamp::parse("2025-01-02")?])
//!     .numeric("close", vec![10.0, f64::NAN])
//!     .build()?;
//! let mut file = Vec::new();
//! stratos_ingest::arrow::write_parquet(&frame, &mut file)?;
//! let back = read_bytes(&file, &ReadOptions::default())?;
//! assert_eq!(back.timestamps(), frame.timestamps());
//! assert!(back.column("close").is_some_and(|c| c[0] == 10.0 && c[1].is_nan()));
//! # Ok(()) }
//! ```

mod read;
mod write;

use std::io::Write;

use ::arrow::array::RecordBatch;
use ::arrow::datatypes::Schema;
use stratos_core::Frame;

use crate::contain::{ARROW_THREAD_NAME, panic_message};
use crate::error::IngestError;
use crate::limits::Limits;
use crate::location::Location;

pub use write::{ColumnData, Table};

/// Why a table could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Columns that do not form a table: lengths or names that clash, tables whose columns
    /// differ, a text column with over 2³¹ distinct values.
    #[error("{message}")]
    Shape {
        /// What does not fit.
        message: String,
    },
    /// Arrow or Parquet refused the data, or writing to the output failed.
    #[error("cannot write the table: {0}")]
    Encode(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// A frame as one Arrow record batch ([`Table::from_frame`], then
/// [`Table::to_record_batch`]).
///
/// # Errors
/// As [`Table::to_record_batch`].
pub fn record_batch(frame: &Frame) -> Result<RecordBatch, WriteError> {
    Table::from_frame(frame).to_record_batch()
}

/// Writes a frame as a Parquet file ([`Table::write_parquet`]).
///
/// # Errors
/// As [`Table::write_parquet`].
pub fn write_parquet<W: Write + Send>(frame: &Frame, out: W) -> Result<(), WriteError> {
    Table::from_frame(frame).write_parquet(out)
}

/// Writes a frame as an Arrow IPC file ([`Table::write_ipc`]).
///
/// # Errors
/// As [`Table::write_ipc`].
pub fn write_ipc<W: Write>(frame: &Frame, out: W) -> Result<(), WriteError> {
    Table::from_frame(frame).write_ipc(out)
}

/// Writes record batches of one schema as a Parquet file whose row groups hold at most
/// `row_group_rows` rows each (parquet's default, about a million, when `None`).
///
/// # Errors
/// [`WriteError::Shape`] without batches; [`WriteError::Encode`] when the batches' schemas
/// differ or writing fails.
pub fn write_parquet_batches<W: Write + Send>(
    out: W,
    batches: &[RecordBatch],
    row_group_rows: Option<usize>,
) -> Result<(), WriteError> {
    write::write_parquet_batches(out, batches, row_group_rows)
}

/// Record batches sharing `schema`, read into one frame with the column mapping of this
/// module, within `limits`.
///
/// # Errors
/// [`IngestError::Cell`] for a null or out-of-range instant in the time column;
/// [`IngestError::Arrow`] for a batch whose columns do not match the schema;
/// [`IngestError::Limit`] past `limits`; [`IngestError::Frame`] for duplicate column names.
pub fn frame_from_record_batches(
    schema: &Schema,
    batches: &[RecordBatch],
    limits: &Limits,
) -> Result<Frame, IngestError> {
    read::frame_from_batches(schema, batches, limits)
}

/// Runs a decoder on the `stratos-arrow` thread; a panic becomes an [`IngestError::Arrow`].
fn contained(
    format: &'static str,
    source: Option<&str>,
    read: impl FnOnce() -> Result<Frame, IngestError> + Send,
) -> Result<Frame, IngestError> {
    let failed = |message: String| IngestError::Arrow {
        location: Box::new(Location::source(source)),
        format,
        message,
    };
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name(ARROW_THREAD_NAME.to_owned())
            .spawn_scoped(scope, read)
            .map_err(|e| failed(format!("cannot start the decoder thread: {e}")))?;
        handle.join().unwrap_or_else(|payload| {
            Err(failed(format!(
                "the decoder panicked: {}",
                panic_message(payload.as_ref())
            )))
        })
    })
}

/// Reads a Parquet file held in memory (on the decoder thread).
pub(crate) fn read_parquet(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    contained("Parquet", source, || {
        read::read_parquet(bytes, limits, source)
    })
}

/// Reads an Arrow IPC file or stream held in memory (on the decoder thread).
pub(crate) fn read_ipc(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    contained("Arrow IPC", source, || {
        read::read_ipc(bytes, limits, source)
    })
}

#[cfg(test)]
mod tests;
