//! NDJSON of seed records into a [`Frame`].
//!
//! Each non-blank line is one record in the seed's envelope, read with
//! [`Record::from_json`] (`serde_json::from_slice` on the line); the records become a frame by
//! [`Frame::from_records`]. The batch reader is strict: the first malformed line is an error
//! naming its line.

use stratos_core::{Frame, FrameError, Record, RecordError};

use crate::error::IngestError;
use crate::frame_builder::check_shape;
use crate::limits::Limits;
use crate::location::Location;
use crate::sniff::strip_bom;

/// Reads NDJSON records into a frame.
///
/// The records' distinct payload keys are counted before the frame is built, and the
/// frame's shape checked against `limits` ([`check_shape`]): every record holds every
/// column in the frame, so records that each bring a new key would otherwise take memory
/// quadratic in the file.
pub(crate) fn read_ndjson(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let bytes = strip_bom(bytes);
    let mut records = Vec::new();
    let mut lines = Vec::new();
    let at = |line: u64| Box::new(Location::source(source).with_line(line));
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        match Record::from_json(line) {
            Ok(r) => {
                records.push(r);
                lines.push(line_no);
            }
            Err(e) => {
                return Err(IngestError::Json {
                    location: at(line_no),
                    message: match e {
                        RecordError::Json { message } => message,
                        other => other.to_string(),
                    },
                });
            }
        }
    }
    let mut keys: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    for (row, r) in records.iter().enumerate() {
        let before = keys.len();
        keys.extend(r.payload.keys().map(String::as_str));
        if keys.len() != before {
            // Time and stream columns besides the payload's.
            check_shape(row + 1, keys.len() + 2, limits, || {
                Location::source(source).with_line(lines.get(row).copied().unwrap_or(0))
            })?;
        }
    }
    check_shape(records.len(), keys.len() + 2, limits, || {
        Location::source(source)
    })?;
    Frame::from_records(&records).map_err(|e| match e {
        FrameError::Record { row, source: why } => IngestError::Json {
            location: at(lines.get(row).copied().unwrap_or(0)),
            message: why.to_string(),
        },
        other => IngestError::frame(source, other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ndjson(bytes: &[u8], source: Option<&str>) -> Result<Frame, IngestError> {
        super::read_ndjson(bytes, &Limits::default(), source)
    }

    #[test]
    fn reads_records_and_skips_blank_lines() {
        let text = "\u{feff}{\"stream_id\":\"a\",\"payload\":{\"v\":1.5},\"timestamp\":1}\r\n\n  \n{\"stream_id\":\"b\",\"payload\":{\"v\":2},\"timestamp\":2}";
        let f = read_ndjson(text.as_bytes(), None).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f.column("v").unwrap(), [1.5, 2.0]);
        assert_eq!(f.category("stream_id").unwrap().get(1), Some("b"));
    }

    #[test]
    fn a_record_without_time_among_timed_ones_names_its_line() {
        let text = "{\"stream_id\":\"a\",\"timestamp\":1}\n\n{\"stream_id\":\"a\"}\n";
        let e = read_ndjson(text.as_bytes(), Some("x.ndjson")).unwrap_err();
        assert_eq!(e.location().line, Some(3));
        assert!(e.to_string().starts_with("x.ndjson:3: "), "{e}");
    }

    #[test]
    fn empty_input_is_an_empty_frame() {
        let f = read_ndjson(b"\n\n", None).unwrap();
        assert!(f.is_empty());
    }
}
