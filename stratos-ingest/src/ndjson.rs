//! NDJSON records into a [`Frame`].
//!
//! Each non-blank line is one JSON object, the seed's envelope or a flat object, read by
//! the pull reader [`NdjsonRows`] (time from any timestamp-like key, stream from any stream
//! key); the records become a frame by [`Frame::from_records`]. The batch reader is strict:
//! the first bad line is an error naming its line.

use stratos_core::{Frame, FrameError, Record};

use crate::ReadOptions;
use crate::error::IngestError;
use crate::limits::LimitKind;
use crate::location::Location;
use crate::stream::{NdjsonRows, Pulled};

/// Reads NDJSON records into a frame.
pub(crate) fn read_ndjson(
    bytes: &[u8],
    options: &ReadOptions,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let mut records: Vec<Record> = Vec::new();
    let mut lines = Vec::new();
    let at = |line: u64| Location::source(source).with_line(line);
    let mut rows = NdjsonRows::new(bytes, options)?;
    let mut record = Record::new("");
    let limits = options.limits();
    let max_cells = limits.max_cells;
    // The frame is dense: rows × distinct keys cells, whatever each record holds.
    let mut keys: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        match rows.next_record(&mut record) {
            Ok(None) => break,
            Ok(Some(Pulled::Row)) => {
                for k in record.payload.keys() {
                    if !keys.contains(k) {
                        keys.insert(k.clone());
                    }
                }
                if keys.len() as u64 > limits.max_columns {
                    return Err(IngestError::limit(
                        at(rows.line()),
                        LimitKind::Columns,
                        limits.max_columns,
                    ));
                }
                let cells = (records.len() as u64 + 1).saturating_mul(keys.len() as u64 + 2);
                if cells > max_cells {
                    return Err(IngestError::limit(
                        at(rows.line()),
                        LimitKind::Cells,
                        max_cells,
                    ));
                }
                records.try_reserve(1).map_err(|_| {
                    IngestError::limit(
                        at(rows.line()),
                        LimitKind::Memory,
                        options.limits().max_memory,
                    )
                })?;
                records.push(record.clone());
                lines.push(rows.line());
            }
            Ok(Some(Pulled::Blank)) => {}
            Ok(Some(Pulled::Bad(mut e))) | Err(mut e) => {
                if let Some(s) = source {
                    relocate(&mut e, s);
                }
                return Err(e);
            }
        }
    }
    Frame::from_records(&records).map_err(|e| match e {
        FrameError::Record { row, source: why } => IngestError::Json {
            location: Box::new(at(lines.get(row).copied().unwrap_or(0))),
            message: why.to_string(),
        },
        other => IngestError::frame(source, other),
    })
}

/// Names the source in a line error from the pull reader.
fn relocate(e: &mut IngestError, source: &str) {
    match e {
        IngestError::Json { location, .. }
        | IngestError::Limit { location, .. }
        | IngestError::Io { location, .. }
        | IngestError::Decompress { location, .. } => location.path = Some(source.to_owned()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_records_and_skips_blank_lines() {
        let text = "\u{feff}{\"stream_id\":\"a\",\"payload\":{\"v\":1.5},\"timestamp\":1}\r\n\n  \n{\"stream_id\":\"b\",\"payload\":{\"v\":2},\"timestamp\":2}";
        let f = read_ndjson(text.as_bytes(), &ReadOptions::default(), None).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f.column("v").unwrap(), [1.5, 2.0]);
        assert_eq!(f.category("stream_id").unwrap().get(1), Some("b"));
    }

    #[test]
    fn a_record_without_time_among_timed_ones_names_its_line() {
        let text = "{\"stream_id\":\"a\",\"timestamp\":1}\n\n{\"stream_id\":\"a\"}\n";
        let e =
            read_ndjson(text.as_bytes(), &ReadOptions::default(), Some("x.ndjson")).unwrap_err();
        assert_eq!(e.location().line, Some(3));
        assert!(e.to_string().starts_with("x.ndjson:3: "), "{e}");
    }

    #[test]
    fn empty_input_is_an_empty_frame() {
        let f = read_ndjson(b"\n\n", &ReadOptions::default(), None).unwrap();
        assert!(f.is_empty());
    }
}
