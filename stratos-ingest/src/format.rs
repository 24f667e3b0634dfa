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
}

impl Format {
    /// The format a file extension names (case-insensitive, without the dot): `csv`, `tsv`,
    /// `tab`, `ndjson`, `jsonl`. `None` for others, including `json` (whose content decides).
    pub fn from_extension(extension: &str) -> Option<Format> {
        let e = extension.trim_start_matches('.');
        if e.eq_ignore_ascii_case("csv") {
            Some(Format::Csv)
        } else if e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab") {
            Some(Format::Tsv)
        } else if e.eq_ignore_ascii_case("ndjson") || e.eq_ignore_ascii_case("jsonl") {
            Some(Format::Ndjson)
        } else {
            None
        }
    }

    /// The format's canonical name: `csv`, `tsv` or `ndjson`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Ndjson => "ndjson",
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

    /// Reads `csv`, `tsv`, `ndjson` or `jsonl` (case-insensitive).
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
        for f in [Format::Csv, Format::Tsv, Format::Ndjson] {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        }
        assert_eq!("JSONL".parse::<Format>().unwrap(), Format::Ndjson);
        assert_eq!(Format::from_extension(".csv"), Some(Format::Csv));
        assert_eq!(Format::from_extension("json"), None);
        let e = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown format `xml`: expected csv, tsv, ndjson or jsonl"
        );
        assert!(!e.is_bad_data());
        assert!("tab".parse::<Format>().is_err());
    }
}
