//! Output writers: one buffered, locked stdout; tables, JSON, NDJSON and CSV.

pub(crate) mod rows;
pub(crate) mod table;

use std::io::{self, BufWriter, Write};

/// Buffered, locked stdout. Written per batch and flushed at the end (in `stream`, also
/// whenever the input may wait).
pub(crate) fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

/// A float as CSV/table text: shortest round-trip form, empty for NaN.
pub(crate) fn float_cell(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

/// Writes `value` as one JSON line.
pub(crate) fn json_line<W: Write, T: serde::Serialize>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}
