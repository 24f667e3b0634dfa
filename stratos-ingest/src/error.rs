//! The ingest error type.

use stratos_core::FrameError;
use thiserror::Error;

use crate::location::Location;

/// Why an input could not be read into a frame. Every variant carries a [`Location`]
/// ([`IngestError::location`]) and prints as `where: what`, for example
/// ``data.csv:17: column `timestamp`: expected a timestamp, found `` `` or
/// `data.csv:9: expected 3 fields, found 2`.
///
/// For exit codes: [`IngestError::is_not_found`] marks a missing input (the CLI's 66),
/// [`IngestError::is_bad_data`] marks input that was read but is malformed (65); the rest
/// ([`IngestError::Io`] other than not-found, [`IngestError::UnknownFormat`],
/// [`IngestError::InvalidOptions`]) are usage or environment problems.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The input could not be read: a missing file, no permission, a failing reader.
    #[error("{location}: cannot read input: {source}")]
    Io {
        /// The path or source name.
        location: Box<Location>,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV row whose field count differs from the header's (or the first row's).
    #[error("{location}: expected {expected} fields, found {found}")]
    Ragged {
        /// The row's first physical line.
        location: Box<Location>,
        /// The header's (or first row's) field count.
        expected: usize,
        /// The row's field count.
        found: usize,
    },
    /// A cell its column cannot hold, such as a missing or unreadable time in the time column.
    #[error("{location}: expected {expected}, found `{found}`")]
    Cell {
        /// The line and column.
        location: Box<Location>,
        /// What the column needs.
        expected: String,
        /// The cell's text (at most 64 characters).
        found: String,
    },
    /// Malformed JSON or NDJSON, a JSON record that is not an object, or records that do not
    /// form a frame.
    #[error("{location}: {message}")]
    Json {
        /// The line.
        location: Box<Location>,
        /// What was wrong, with serde_json's column where it has one.
        message: String,
    },
    /// CSV the `csv` crate could not tokenize.
    #[error("{location}: {source}")]
    Csv {
        /// The line.
        location: Box<Location>,
        /// The `csv` crate's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Columns that do not form a frame.
    #[error("{location}: {source}")]
    Frame {
        /// The source.
        location: Box<Location>,
        /// The frame builder's error.
        #[source]
        source: Box<FrameError>,
    },
    /// A format name that is not one of `csv`, `tsv`, `ndjson`, `jsonl`, `json`, `text`,
    /// `txt`, `log`, `spreadsheet`, `xlsx`, `xlsm`, `xls`, `xlsb`, `ods`, `pdf`, `parquet`,
    /// `arrow`, `feather`, `ipc`, `arrows`.
    #[error(
        "unknown format `{name}`: expected csv, tsv, ndjson, jsonl, json, text, txt, log, \
         spreadsheet, xlsx, xlsm, xls, xlsb, ods, pdf, parquet or arrow"
    )]
    UnknownFormat {
        /// Empty: a format name has no place in the input.
        location: Box<Location>,
        /// The name given.
        name: String,
    },
    /// Input this crate cannot read: a spreadsheet that calamine cannot open or that is too
    /// large, or a spreadsheet (PDF) when the `xlsx` (`pdf`) feature is off.
    #[error("{location}: {what}")]
    Unsupported {
        /// The source.
        location: Box<Location>,
        /// What the input looked like and what to use instead.
        what: String,
    },
    /// A PDF that could not be read into a frame: not a PDF pdf-extract can parse, a
    /// pdf-extract panic (caught), extraction over the time budget, no text, or no table.
    #[error("{location}: {message}")]
    Pdf {
        /// The source, and for a bad cell the page and line.
        location: Box<Location>,
        /// What went wrong.
        message: String,
    },
    /// A read that would break one of its [`Limits`](crate::Limits): it stopped before the
    /// allocation that would have broken it.
    #[error("{location}: input exceeds the limit of {limit} {what}{}", what.flag().map(|f| format!(" (raise it with {f})")).unwrap_or_default())]
    Limit {
        /// Where the budget ran out.
        location: Box<Location>,
        /// Which budget.
        what: crate::LimitKind,
        /// The budget's value.
        limit: u64,
    },
    /// A compressed container (gzip, zstd, bzip2, zip) whose content could not be unpacked:
    /// corrupt or truncated data, or a zip that does not hold exactly one data file.
    #[error("{location}: corrupt {format} data: {source}")]
    Decompress {
        /// The source.
        location: Box<Location>,
        /// `gzip`, `zstd`, `bzip2` or `zip`.
        format: &'static str,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// A Parquet or Arrow IPC file that could not be decoded: a broken footer, sizes the file
    /// cannot hold, corrupt pages or record batches (the decoder's message).
    #[error("{location}: malformed {format} input: {message}")]
    Arrow {
        /// The source.
        location: Box<Location>,
        /// `Parquet`, `Arrow IPC` or `Arrow`.
        format: &'static str,
        /// What the decoder said.
        message: String,
    },
    /// Options that cannot be used, such as a quote or line break as the delimiter.
    #[error("{location}: invalid options: {message}")]
    InvalidOptions {
        /// The source.
        location: Box<Location>,
        /// Which option and why.
        message: String,
    },
}

/// The `location` field every variant has, by reference or by mutable reference.
macro_rules! location_of {
    ($error:expr) => {
        match $error {
            IngestError::Io { location, .. }
            | IngestError::Ragged { location, .. }
            | IngestError::Cell { location, .. }
            | IngestError::Json { location, .. }
            | IngestError::Csv { location, .. }
            | IngestError::Frame { location, .. }
            | IngestError::UnknownFormat { location, .. }
            | IngestError::Unsupported { location, .. }
            | IngestError::Pdf { location, .. }
            | IngestError::Limit { location, .. }
            | IngestError::Decompress { location, .. }
            | IngestError::Arrow { location, .. }
            | IngestError::InvalidOptions { location, .. } => location,
        }
    };
}

impl IngestError {
    /// Where the error happened.
    pub fn location(&self) -> &Location {
        location_of!(self)
    }

    /// Where the error happened, to rewrite (a PDF table's CSV line becomes its page line).
    #[cfg(feature = "pdf")]
    pub(crate) fn location_mut(&mut self) -> &mut Location {
        location_of!(self)
    }

    /// True when the input does not exist or is a directory, not a file ([`IngestError::Io`]
    /// with [`std::io::ErrorKind::NotFound`] or [`std::io::ErrorKind::IsADirectory`]): the
    /// CLI's exit code 66.
    pub fn is_not_found(&self) -> bool {
        matches!(self, IngestError::Io { source, .. }
            if matches!(source.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory))
    }

    /// True when the input was read but its content is malformed ([`IngestError::Ragged`],
    /// [`IngestError::Cell`], [`IngestError::Json`], [`IngestError::Csv`],
    /// [`IngestError::Frame`], [`IngestError::Unsupported`], [`IngestError::Pdf`], [`IngestError::Limit`],
    /// [`IngestError::Decompress`], [`IngestError::Arrow`]): the CLI's
    /// exit code 65.
    pub fn is_bad_data(&self) -> bool {
        matches!(
            self,
            IngestError::Ragged { .. }
                | IngestError::Cell { .. }
                | IngestError::Json { .. }
                | IngestError::Csv { .. }
                | IngestError::Frame { .. }
                | IngestError::Unsupported { .. }
                | IngestError::Pdf { .. }
                | IngestError::Limit { .. }
                | IngestError::Decompress { .. }
                | IngestError::Arrow { .. }
        )
    }

    /// Columns that do not form a frame, located at the input as a whole.
    pub(crate) fn frame(path: Option<&str>, source: stratos_core::FrameError) -> Self {
        IngestError::Frame {
            location: Box::new(Location::source(path)),
            source: Box::new(source),
        }
    }

    /// A broken budget, located at `location`.
    pub(crate) fn limit(location: Location, what: crate::LimitKind, limit: u64) -> Self {
        IngestError::Limit {
            location: Box::new(location),
            what,
            limit,
        }
    }

    pub(crate) fn io(path: Option<&str>, source: std::io::Error) -> Self {
        IngestError::Io {
            location: Box::new(Location::source(path)),
            source,
        }
    }
}

/// At most 64 characters of a cell, for messages.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn is_send_sync_small_and_says_where() {
        assert_send_sync::<IngestError>();
        // Well under clippy's `result_large_err` threshold of 128 bytes.
        assert!(
            std::mem::size_of::<IngestError>() <= 64,
            "{}",
            std::mem::size_of::<IngestError>()
        );
        let e = IngestError::Cell {
            location: Box::new(
                Location::default()
                    .with_path("data.csv")
                    .with_line(17)
                    .with_column("price"),
            ),
            expected: "a number".into(),
            found: "abc".into(),
        };
        assert_eq!(
            e.to_string(),
            "data.csv:17: column `price`: expected a number, found `abc`"
        );
        assert!(e.is_bad_data() && !e.is_not_found());
        assert_eq!(e.location().line, Some(17));
        let nf = IngestError::io(
            Some("x.csv"),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert!(nf.is_not_found() && !nf.is_bad_data());
        assert!(nf.to_string().starts_with("x.csv: cannot read input: "));
        assert_eq!(excerpt(&[b'a'; 100]).len(), 64);
    }
}
