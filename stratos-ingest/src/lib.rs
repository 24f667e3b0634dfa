#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::float_cmp))]

#[cfg(feature = "arrow")]
pub mod arrow;
mod cell;
mod contain;
mod convert;
mod csv;
mod error;
mod format;
mod frame_builder;
mod json;
mod limits;
mod location;
mod ndjson;
#[cfg(feature = "pdf")]
mod pdf;
mod sniff;
mod source;
mod text;
#[cfg(feature = "xlsx")]
mod xlsx;

/// Offline schema detection (in `stratos-core`, so that strategies can use it too).
pub use stratos_core::schema_detect;
pub mod stream;

use std::io::Read;
use std::path::Path;

use stratos_core::Frame;

pub use crate::cell::{MISSING_TOKENS, TIME_COLUMN_NAMES};

pub use crate::contain::silence_contained_panics;
pub use crate::csv::SAMPLE_ROWS;
pub use crate::error::IngestError;
pub use crate::format::Format;
pub use crate::limits::{LimitKind, Limits};

pub use crate::convert::DatePattern;
pub use crate::location::Location;
#[cfg(feature = "pdf")]
pub use crate::pdf::{DEFAULT_PDF_TIME_BUDGET, PDF_STACK_BYTES};
pub use crate::sniff::{DELIMITERS, sniff_format};
pub use crate::source::{Compression, detect_compression, open_source};
#[cfg(feature = "xlsx")]
pub use crate::xlsx::{SheetChoice, SheetShape, SpreadsheetRead};

/// Reads a spreadsheet (XLSX, XLSM, XLS, XLSB, ODS) held in memory, saying which sheet the
/// frame came from and why, and listing every sheet with its shape: the sheet
/// [`ReadOptions::with_sheet`] names, else the first holding a time column and a numeric
/// column (a cover page before the data is passed over), else the first with data.
/// [`read_bytes`] reads the same sheet.
///
/// # Errors
/// As [`read_bytes`]; [`IngestError::Limit`] when the workbook breaks the options'
/// [`Limits`] (its parts, shared strings, cells or text).
#[cfg(feature = "xlsx")]
pub fn read_spreadsheet(
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<SpreadsheetRead, IngestError> {
    xlsx::read_spreadsheet(bytes, options, options.source_name.as_deref(), true)
}

/// [`read_spreadsheet`] on a file; errors name the path (or the options' source name).
///
/// # Errors
/// [`IngestError::Io`] when the file cannot be read; otherwise as [`read_spreadsheet`].
#[cfg(feature = "xlsx")]
pub fn read_spreadsheet_path(
    path: &Path,
    options: &ReadOptions,
) -> Result<SpreadsheetRead, IngestError> {
    let name = options
        .source_name
        .clone()
        .unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| IngestError::io(Some(&name), e))?;
    xlsx::read_spreadsheet(&bytes, options, Some(&name), true)
}

/// How to read an input. The default sniffs everything: format, delimiter and header.
///
/// # Examples
/// ```
/// use stratos_ingest::{Format, ReadOptions};
/// let opts = ReadOptions::default()
///     .with_format(Format::Csv)
///     .with_delimiter(b';')
///     .with_header(true)
///     .with_source_name("prices.csv");
/// assert_eq!(opts.delimiter(), Some(b';'));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    limits: Limits,
    format: Option<Format>,
    delimiter: Option<u8>,
    header: Option<bool>,
    source_name: Option<String>,
    sheet: Option<SheetSelector>,
    pdf_time_budget: Option<std::time::Duration>,
    http_timeout: Option<std::time::Duration>,
    date_format: Option<String>,
    decimal: Option<u8>,
    missing: Vec<String>,
    skip_rows: usize,
    stream_field: Option<String>,
}

/// Default of [`ReadOptions::http_timeout`]: a download must finish within this.
pub const DEFAULT_HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Which sheet of a spreadsheet to read ([`ReadOptions::with_sheet`]).
///
/// Parsed from text: digits are a 0-based index, anything else a name.
///
/// # Examples
/// ```
/// use stratos_ingest::SheetSelector;
/// assert_eq!("1".parse::<SheetSelector>(), Ok(SheetSelector::Index(1)));
/// assert_eq!("data".parse::<SheetSelector>(), Ok(SheetSelector::Name("data".into())));
/// assert_eq!(SheetSelector::Index(0).to_string(), "#0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SheetSelector {
    /// The sheet with this name (exact match).
    Name(String),
    /// The sheet at this 0-based position.
    Index(usize),
}

impl std::fmt::Display for SheetSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SheetSelector::Name(n) => write!(f, "`{n}`"),
            SheetSelector::Index(i) => write!(f, "#{i}"),
        }
    }
}

impl std::str::FromStr for SheetSelector {
    type Err = std::convert::Infallible;

    /// Digits are an index, anything else a name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.parse::<usize>() {
            Ok(i) if s.bytes().all(|b| b.is_ascii_digit()) => SheetSelector::Index(i),
            _ => SheetSelector::Name(s.to_owned()),
        })
    }
}

impl ReadOptions {
    /// Reads the input as `format` instead of choosing by extension or content.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Uses `delimiter` for CSV/TSV instead of sniffing (`,` `\t` `;` `|`) or TSV's tab.
    /// A quote or line break is refused when reading ([`IngestError::InvalidOptions`]).
    pub fn with_delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }

    /// States whether the first CSV/TSV row is a header instead of sniffing it. Without a
    /// header, columns are named `column_1`, `column_2`, …
    pub fn with_header(mut self, header: bool) -> Self {
        self.header = Some(header);
        self
    }

    /// Names the input in error locations (defaults to the path for [`read_path`], nothing
    /// otherwise).
    pub fn with_source_name(mut self, name: impl Into<String>) -> Self {
        self.source_name = Some(name.into());
        self
    }

    /// Reads this sheet of a spreadsheet instead of the first sheet with data. A sheet that
    /// does not exist is refused when reading ([`IngestError::InvalidOptions`]).
    pub fn with_sheet(mut self, sheet: SheetSelector) -> Self {
        self.sheet = Some(sheet);
        self
    }

    /// Waits at most `budget` for PDF extraction (default: 30 s); past it the read is an
    /// [`IngestError::Pdf`]. Other formats ignore it.
    pub fn with_pdf_time_budget(mut self, budget: std::time::Duration) -> Self {
        self.pdf_time_budget = Some(budget);
        self
    }

    /// Reads within these resource budgets instead of [`Limits::default`]. A read that
    /// would break one stops with [`IngestError::Limit`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Waits at most `timeout` for a URL's whole body (default [`DEFAULT_HTTP_TIMEOUT`]).
    pub fn with_http_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.http_timeout = Some(timeout);
        self
    }

    /// Reads text dates with this pattern instead of inferring the order of day and month
    /// (`%d`, `%m`, `%Y`, `%y`, `%H`, `%M`, `%S`, `%b` for a month name; any other character
    /// must match itself), e.g. `%m/%d/%Y`. Applies to CSV/TSV time columns and to `stream`.
    pub fn with_date_format(mut self, pattern: impl Into<String>) -> Self {
        self.date_format = Some(pattern.into());
        self
    }

    /// The decimal mark of CSV/TSV numbers: `b'.'` or `b','` (then `.` and spaces group
    /// thousands). Without it, a `;`-delimited file whose text columns read as numbers
    /// with a decimal comma is read so.
    pub fn with_decimal(mut self, mark: u8) -> Self {
        self.decimal = Some(mark);
        self
    }

    /// Adds cell texts read as missing, beside [`MISSING_TOKENS`] (compared after trimming).
    pub fn with_missing_markers<I, S>(mut self, markers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.missing.extend(markers.into_iter().map(Into::into));
        self
    }

    /// Skips this many lines at the top of a CSV/TSV before the header (titles, notes).
    pub fn with_skip_rows(mut self, rows: usize) -> Self {
        self.skip_rows = rows;
        self
    }

    /// Names the field that keys streams in [`stream`] readers, instead of the first of
    /// [`stream::STREAM_KEYS`] present.
    pub fn with_stream_field(mut self, field: impl Into<String>) -> Self {
        self.stream_field = Some(field.into());
        self
    }

    /// The URL time budget.
    pub fn http_timeout(&self) -> std::time::Duration {
        self.http_timeout.unwrap_or(DEFAULT_HTTP_TIMEOUT)
    }

    /// The date pattern, if set.
    pub fn date_format(&self) -> Option<&str> {
        self.date_format.as_deref()
    }

    /// The decimal mark, if set.
    pub fn decimal(&self) -> Option<u8> {
        self.decimal
    }

    /// The extra missing markers.
    pub fn missing_markers(&self) -> &[String] {
        &self.missing
    }

    /// Lines skipped before the header.
    pub fn skip_rows(&self) -> usize {
        self.skip_rows
    }

    /// The stream field, if set.
    pub fn stream_field(&self) -> Option<&str> {
        self.stream_field.as_deref()
    }

    /// The resource budgets of the read.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The PDF time budget, if set.
    pub fn pdf_time_budget(&self) -> Option<std::time::Duration> {
        self.pdf_time_budget
    }

    /// The sheet, if set.
    pub fn sheet(&self) -> Option<&SheetSelector> {
        self.sheet.as_ref()
    }

    /// The format, if set.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// The delimiter, if set.
    pub fn delimiter(&self) -> Option<u8> {
        self.delimiter
    }

    /// Whether the first row is a header, if set.
    pub fn header(&self) -> Option<bool> {
        self.header
    }

    /// The source name, if set.
    pub fn source_name(&self) -> Option<&str> {
        self.source_name.as_deref()
    }
}

/// Reads a file into a frame. The format comes from the options, else the extension
/// ([`Format::from_extension`]), else the content ([`sniff_format`]); errors name the path
/// (or the options' source name). A text extension (`.csv`, `.json`, `.log`, …) on a file
/// whose content is a PDF or a spreadsheet yields to the content.
///
/// # Errors
/// [`IngestError::Io`] when the file cannot be read ([`IngestError::is_not_found`] when it
/// does not exist); otherwise as [`read_bytes`].
///
/// # Examples
/// ```
/// use std::path::Path;
/// use stratos_ingest::{read_path, ReadOptions};
/// let e = read_path(Path::new("no/such/file.csv"), &ReadOptions::default()).unwrap_err();
/// assert!(e.is_not_found());
/// assert!(e.to_string().starts_with("no/such/file.csv: cannot read input"));
/// ```
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Frame, IngestError> {
    if let Some(url) = path.to_str().filter(|p| source::is_url(p)) {
        return read_source(url, options);
    }
    let name = options
        .source_name
        .clone()
        .unwrap_or_else(|| path.display().to_string());
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(IngestError::io(
            Some(&name),
            std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory, not a file",
            ),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(Some(&name), e))?;
    let size = file.metadata().map_or(0, |m| m.len());
    if size > options.limits.max_memory {
        return Err(IngestError::limit(
            Location::source(Some(&name)),
            LimitKind::Memory,
            options.limits.max_memory,
        ));
    }
    let bytes = source::read_all(file, usize::try_from(size).unwrap_or(0))
        .map_err(|e| IngestError::io(Some(&name), e))?;
    let file_name = path.file_name().and_then(|n| n.to_str());
    read_named(&bytes, file_name, options, Some(&name), 0)
}

/// Reads a file path, `-` (standard input) or an `http://`/`https://` URL into a frame, as
/// [`read_path`] does (a URL's last path segment gives the extension). A download stops
/// at [`ReadOptions::http_timeout`] and counts against [`Limits::max_decompressed_bytes`].
///
/// # Errors
/// As [`read_path`]; an HTTP 404 is [`IngestError::is_not_found`]; a URL without the
/// `http` feature is [`IngestError::Unsupported`].
///
/// # Examples
/// ```
/// use stratos_ingest::{read_source, ReadOptions};
/// let e = read_source("no/such/file.csv", &ReadOptions::default()).unwrap_err();
/// assert!(e.is_not_found());
/// ```
pub fn read_source(source: &str, options: &ReadOptions) -> Result<Frame, IngestError> {
    let name = options.source_name.as_deref().unwrap_or(source);
    if source == "-" {
        let bytes = source::read_all(
            source::Bounded::new(
                std::io::stdin(),
                options.limits.max_memory,
                LimitKind::Memory,
            ),
            0,
        )
        .map_err(|e| source::io_error(e, Location::source(Some("stdin")), None))?;
        return read_named(&bytes, None, options, Some("stdin"), 0);
    }
    if source::is_url(source) {
        let body = source::http_get(source, options.http_timeout(), &options.limits)?;
        let bytes = source::read_all(body, 0)
            .map_err(|e| source::io_error(e, Location::source(Some(name)), None))?;
        return read_named(
            &bytes,
            Some(source::url_file_name(source)),
            options,
            Some(name),
            0,
        );
    }
    read_path(Path::new(source), options)
}

/// The format a file name's extension names, with the content's say where the extension
/// is ambiguous or wrong.
fn format_from_name(name: &str, bytes: &[u8]) -> Option<Format> {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension)
        // `.json` names both JSON documents and NDJSON streams: the content decides
        // between the two. Binary magic (a PDF, a spreadsheet) beats a text extension:
        // such bytes are never CSV, JSON or a log.
        .map(|f| match (f, sniff_format(bytes)) {
            (Format::Json, Format::Ndjson) => Format::Ndjson,
            (
                Format::Csv | Format::Tsv | Format::Json | Format::Ndjson | Format::Text,
                sniffed @ (Format::Pdf | Format::Spreadsheet | Format::Parquet | Format::Arrow),
            ) => sniffed,
            (f, _) => f,
        })
}

/// Unpacks containers (by magic bytes, up to three deep), then reads the content.
fn read_named(
    bytes: &[u8],
    name: Option<&str>,
    options: &ReadOptions,
    source: Option<&str>,
    depth: u8,
) -> Result<Frame, IngestError> {
    if depth < 3
        && let Some(c) = detect_compression(bytes)
    {
        let (inner, inner_name) = source::decompress(bytes, c, &options.limits, source)?;
        let hint =
            inner_name.or_else(|| name.map(|n| source::strip_container_extension(n).to_owned()));
        return read_named(&inner, hint.as_deref(), options, source, depth + 1);
    }
    let format = options
        .format
        .or_else(|| name.and_then(|n| format_from_name(n, bytes)));
    read_as(bytes, format, options, source)
}

/// Reads an input held in memory into a frame. The format comes from the options, else the
/// content ([`sniff_format`]). Never panics, whatever the bytes.
///
/// CSV/TSV: an input with no rows is an empty frame with no columns; a header with no rows
/// is an empty frame whose columns are numeric. See the crate docs for the typing rules.
///
/// # Errors
/// [`IngestError::Ragged`] for a row with the wrong number of fields;
/// [`IngestError::Cell`] for a missing time in the time column;
/// [`IngestError::Cell`] for a text-log line without a timestamp;
/// [`IngestError::Json`] for malformed JSON/NDJSON or records that do not form a frame (a
/// JSON record names its array index as `record N`);
/// [`IngestError::InvalidOptions`] for a quote or line break as the delimiter. Each carries
/// the line where there is one.
///
/// # Examples
/// ```
/// use stratos_ingest::{read_bytes, ReadOptions};
/// # fn main() -> Result<(), stratos_ingest::IngestError> {
/// let frame = read_bytes(b"a;b\n1;x\n2;y\n", &ReadOptions::default())?;
/// assert_eq!(frame.column("a"), Some(&[1.0, 2.0][..]));
/// let e = read_bytes(b"a;b\n1;x\n2\n", &ReadOptions::default()).unwrap_err();
/// assert_eq!(e.to_string(), "line 3: expected 2 fields, found 1");
/// # Ok(()) }
/// ```
pub fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Result<Frame, IngestError> {
    read_named(bytes, None, options, options.source_name.as_deref(), 0)
}

/// Reads everything from `reader` into memory, growing the buffer with `try_reserve` within
/// [`Limits::max_memory`], for callers that look at the bytes before reading them.
///
/// # Errors
/// [`IngestError::Limit`] past the memory budget or when the allocator refuses;
/// [`IngestError::Io`] when reading fails.
pub fn read_to_memory<R: Read>(reader: R, options: &ReadOptions) -> Result<Vec<u8>, IngestError> {
    let bounded = source::Bounded::new(reader, options.limits.max_memory, LimitKind::Memory);
    source::read_all(bounded, 0)
        .map_err(|e| source::io_error(e, Location::source(options.source_name.as_deref()), None))
}

/// Reads everything from `reader`, then reads it as [`read_bytes`] does.
///
/// # Errors
/// [`IngestError::Io`] when reading fails; otherwise as [`read_bytes`].
///
/// # Examples
/// ```
/// use stratos_ingest::{read_reader, ReadOptions};
/// # fn main() -> Result<(), stratos_ingest::IngestError> {
/// let input: &[u8] = br#"{"stream_id":"s1","payload":{"v":1.5},"timestamp":"2025-01-15T10:30:00Z"}"#;
/// let frame = read_reader(input, &ReadOptions::default())?;
/// assert_eq!(frame.column("v"), Some(&[1.5][..]));
/// # Ok(()) }
/// ```
pub fn read_reader<R: Read>(mut reader: R, options: &ReadOptions) -> Result<Frame, IngestError> {
    let bytes = read_to_memory(&mut reader, options)?;
    read_bytes(&bytes, options)
}

fn read_as(
    bytes: &[u8],
    format: Option<Format>,
    options: &ReadOptions,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let format = match format {
        Some(f) => f,
        None => match sniff::sniff_content(bytes) {
            sniff::Content::Csv => Format::Csv,
            sniff::Content::Ndjson => Format::Ndjson,
            sniff::Content::Json => Format::Json,
            sniff::Content::Text => Format::Text,
            sniff::Content::Spreadsheet => Format::Spreadsheet,
            sniff::Content::Pdf => Format::Pdf,
            sniff::Content::Parquet => Format::Parquet,
            sniff::Content::Arrow => Format::Arrow,
        },
    };
    if matches!(
        format,
        Format::Csv | Format::Tsv | Format::Json | Format::Ndjson | Format::Text
    ) && let Some(e) = sniff::utf16_error(bytes, source)
    {
        return Err(e);
    }
    let settings = csv::CsvSettings::from_options(options);
    match format {
        Format::Csv => csv::read_csv(bytes, &settings, source),
        Format::Tsv => csv::read_csv(
            bytes,
            &csv::CsvSettings {
                delimiter: options.delimiter.or(Some(b'\t')),
                ..settings.clone()
            },
            source,
        ),
        Format::Ndjson => ndjson::read_ndjson(bytes, options, source),
        Format::Json => json::read_json(bytes, options, source),
        Format::Text => text::read_text(bytes, options.limits(), source),
        #[cfg(feature = "xlsx")]
        Format::Spreadsheet => {
            xlsx::read_spreadsheet(bytes, options, source, false).map(|read| read.frame)
        }
        #[cfg(not(feature = "xlsx"))]
        Format::Spreadsheet => Err(IngestError::Unsupported {
            location: Box::new(Location::source(source)),
            what: "spreadsheet input needs stratos-ingest's `xlsx` feature, which is off in \
                   this build"
                .to_owned(),
        }),
        #[cfg(feature = "pdf")]
        Format::Pdf => pdf::read_pdf(
            bytes,
            options
                .pdf_time_budget
                .unwrap_or(pdf::DEFAULT_PDF_TIME_BUDGET),
            options.limits(),
            source,
        ),
        #[cfg(not(feature = "pdf"))]
        Format::Pdf => Err(IngestError::Unsupported {
            location: Box::new(Location::source(source)),
            what: "PDF input needs stratos-ingest's `pdf` feature, which is off in this build"
                .to_owned(),
        }),
        #[cfg(feature = "arrow")]
        Format::Parquet => arrow::read_parquet(bytes, options.limits(), source),
        #[cfg(feature = "arrow")]
        Format::Arrow => arrow::read_ipc(bytes, options.limits(), source),
        #[cfg(not(feature = "arrow"))]
        Format::Parquet | Format::Arrow => Err(IngestError::Unsupported {
            location: Box::new(Location::source(source)),
            what: format!(
                "{format} input needs stratos-ingest's `arrow` feature, which is off in this \
                 build"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<ReadOptions>();
        assert_send_sync::<Format>();
        assert_send_sync::<Location>();
        assert_send_sync::<IngestError>();
        assert_send_sync::<SheetSelector>();
    }

    #[cfg(not(feature = "xlsx"))]
    #[test]
    fn spreadsheets_need_the_xlsx_feature() {
        let e = read_bytes(
            b"PK\x03\x04xl/",
            &ReadOptions::default().with_source_name("a.xlsx"),
        )
        .unwrap_err();
        assert!(e.is_bad_data());
        assert!(e.to_string().contains("`xlsx` feature"), "{e}");
    }

    #[test]
    fn a_json_array_is_json_unless_a_format_is_given() {
        let e = read_bytes(b" [1,2]", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "input: record 0: expected an object, found a number"
        );
        let f = read_bytes(b" [{\"v\": 1}]", &ReadOptions::default()).unwrap();
        assert_eq!(f.column("v"), Some(&[1.0][..]));
        let f = read_bytes(
            b"[1,2]\n[3,4]\n",
            &ReadOptions::default().with_format(Format::Csv),
        )
        .unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f.category("column_1").unwrap().get(1), Some("[3"));
    }
}
