//! Input formats and how they are chosen.

use std::fmt;
use std::str::FromStr;

use crate::error::IngestError;
use crate::location::Location;

/// An input format.
///
/// Chosen by [`crate::ReadOptions::with_format`], else by the file extension
/// ([`Format::from_extension`]), else by content ([`crate::sniff_format`]).
///
/// # Examples
/// ```
/// use stratos_ingest::Format;
/// # fn main() -> Result<(), stratos_ingest::IngestError> {
/// assert_eq!("jsonl".parse::<Format>()?, Format::Ndjson);
/// assert_eq!(Format::from_extension("TSV"), Some(Format::Tsv));
/// assert_eq!(Format::Csv.to_string(), "csv");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Delimited text; the delimiter (`,` `\t` `;` `|`) is sniffed unless given.
    Csv,
    /// Tab-separated text (CSV with `\t` unless another delimiter is given).
    Tsv,
    /// One JSON record (the seed's envelope) per line.
    Ndjson,
    /// A JSON document: an array of objects (or an object holding one), nested objects
    /// flattened to dotted names, or an array of the seed's record envelopes.
    Json,
    /// Plain-text logs: one record per line, a timestamp then `key:value` / `key value`
    /// pairs with units (`Temperature:85°C`, `Humidity 65%`).
    Text,
    /// A spreadsheet, whichever of XLSX, XLSM, XLS, XLSB or ODS (the content tells them
    /// apart): one sheet, its header row detected, date cells as the time column. Needs the
    /// `xlsx` feature (on by default); without it reading one is an
    /// [`IngestError::Unsupported`].
    Spreadsheet,
    /// A PDF document: the largest table recovered from glyph positions (prose around it
    /// ignored, a table continued over pages joined). Needs the `pdf` feature (on by
    /// default); without it reading one is an [`IngestError::Unsupported`].
    Pdf,
    /// An Apache Parquet file (`PAR1`): every row group into one frame. Needs the `arrow`
    /// feature; without it reading one is an [`IngestError::Unsupported`].
    Parquet,
    /// An Apache Arrow IPC file (`ARROW1`, also called Feather v2) or stream: every record
    /// batch into one frame. Needs the `arrow` feature; without it reading one is an
    /// [`IngestError::Unsupported`].
    Arrow,
}

impl Format {
    /// The format a file extension names (case-insensitive, without the dot): `csv`, `tsv`,
    /// `tab`, `ndjson`, `jsonl`, `json`, `txt`, `log` (and `text`), `xlsx`, `xlsm`, `xls`,
    /// `xlsb`, `ods` (and `spreadsheet`), `pdf`, `parquet` (and `pq`), `arrow`, `feather`,
    /// `ipc`, `arrows` (and `arrow_ipc`). `None` for others.
    pub fn from_extension(extension: &str) -> Option<Format> {
        let e = extension.trim_start_matches('.');
        if e.eq_ignore_ascii_case("csv") {
            Some(Format::Csv)
        } else if e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab") {
            Some(Format::Tsv)
        } else if e.eq_ignore_ascii_case("ndjson") || e.eq_ignore_ascii_case("jsonl") {
            Some(Format::Ndjson)
        } else if e.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else if e.eq_ignore_ascii_case("txt")
            || e.eq_ignore_ascii_case("log")
            || e.eq_ignore_ascii_case("text")
        {
            Some(Format::Text)
        } else if ["xlsx", "xlsm", "xls", "xlsb", "ods", "spreadsheet"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
        {
            Some(Format::Spreadsheet)
        } else if e.eq_ignore_ascii_case("pdf") {
            Some(Format::Pdf)
        } else if e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq") {
            Some(Format::Parquet)
        } else if ["arrow", "feather", "ipc", "arrows", "arrow_ipc"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
        {
            Some(Format::Arrow)
        } else {
            None
        }
    }

    /// The format's canonical name: `csv`, `tsv`, `ndjson`, `json`, `text`, `spreadsheet`,
    /// `pdf`, `parquet` or `arrow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Ndjson => "ndjson",
            Format::Json => "json",
            Format::Text => "text",
            Format::Spreadsheet => "spreadsheet",
            Format::Pdf => "pdf",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = IngestError;

    /// Reads `csv`, `tsv`, `ndjson`, `jsonl`, `json`, `text`, `txt`, `log`, `spreadsheet`,
    /// `xlsx`, `xlsm`, `xls`, `xlsb`, `ods`, `pdf`, `parquet`, `pq`, `arrow`, `feather`, `ipc`,
    /// `arrows` or `arrow_ipc` (case-insensitive).
    ///
    /// # Errors
    /// [`IngestError::UnknownFormat`] for any other name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Format::from_extension(s.trim()) {
            Some(f) if !s.trim().eq_ignore_ascii_case("tab") => Ok(f),
            _ => Err(IngestError::UnknownFormat {
                location: Box::new(Location::default()),
                name: s.chars().take(64).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_fail() {
        for f in [
            Format::Csv,
            Format::Tsv,
            Format::Ndjson,
            Format::Json,
            Format::Text,
            Format::Spreadsheet,
            Format::Pdf,
            Format::Parquet,
            Format::Arrow,
        ] {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        }
        assert_eq!("JSONL".parse::<Format>().unwrap(), Format::Ndjson);
        assert_eq!(Format::from_extension(".csv"), Some(Format::Csv));
        assert_eq!(Format::from_extension("json"), Some(Format::Json));
        assert_eq!(Format::from_extension("LOG"), Some(Format::Text));
        assert_eq!("txt".parse::<Format>().unwrap(), Format::Text);
        assert_eq!(Format::from_extension("XLSX"), Some(Format::Spreadsheet));
        assert_eq!(Format::from_extension("ods"), Some(Format::Spreadsheet));
        assert_eq!(Format::from_extension("PDF"), Some(Format::Pdf));
        assert_eq!(Format::from_extension("xml"), None);
        let e = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown format `xml`: expected csv, tsv, ndjson, jsonl, json, text, txt, log, \
             spreadsheet, xlsx, xlsm, xls, xlsb, ods, pdf, parquet or arrow"
        );
        assert!(!e.is_bad_data());
        assert!("tab".parse::<Format>().is_err());
    }
}
