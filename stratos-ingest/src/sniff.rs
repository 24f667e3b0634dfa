//! Sniffing: the format from content, and a CSV file's delimiter and header.

use crate::cell;
use crate::format::Format;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Candidate delimiters, in order of preference on ties.
pub const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// How much of the input delimiter sniffing looks at.
const SNIFF_BYTES: usize = 64 * 1024;
/// How many records delimiter sniffing compares.
const SNIFF_RECORDS: usize = 50;
/// How many records header sniffing looks at.
pub(crate) const HEADER_RECORDS: usize = 20;

/// The input without a leading UTF-8 byte order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// A clear refusal for UTF-16 text (a byte order mark `FF FE`/`FE FF`, or a head whose
/// every other byte is zero), which would otherwise read as one ragged column.
pub(crate) fn utf16_error(bytes: &[u8], source: Option<&str>) -> Option<crate::IngestError> {
    let head = bytes.get(..512).unwrap_or(bytes);
    let bom = head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF");
    let zeros_at = |parity: usize| {
        head.len() >= 8
            && head
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 == parity)
                .all(|(_, &b)| b == 0)
    };
    (bom || zeros_at(0) || zeros_at(1)).then(|| crate::IngestError::Unsupported {
        location: Box::new(crate::location::Location::source(source).with_line(1)),
        what: "the input is UTF-16 text; convert it to UTF-8 first (e.g. `iconv -f UTF-16 -t \
               UTF-8`, or save as \"CSV UTF-8\")"
            .to_owned(),
    })
}

/// What the content looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    Csv,
    Ndjson,
    Json,
    Text,
    Spreadsheet,
    Pdf,
    Parquet,
    Arrow,
}

/// True for a Parquet file: `PAR1` at the start.
pub(crate) fn is_parquet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PAR1")
}

/// True for an Arrow IPC file (`ARROW1`) or stream (a first message opened by the
/// continuation marker `FF FF FF FF` and a metadata length under 16 MiB).
pub(crate) fn is_arrow(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"ARROW1") {
        return true;
    }
    match bytes {
        [0xFF, 0xFF, 0xFF, 0xFF, a, b, c, d, ..] => {
            let len = i32::from_le_bytes([*a, *b, *c, *d]);
            len > 0 && len < (1 << 24)
        }
        _ => false,
    }
}

/// True for a PDF: `%PDF-` within the first 1024 bytes (readers accept leading junk).
pub(crate) fn is_pdf(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes.get(..1024).unwrap_or(bytes), b"%PDF-").is_some()
}

/// True for a spreadsheet: a ZIP holding `xl/` entries (XLSX, XLSM, XLSB) or an
/// OpenDocument spreadsheet mimetype (ODS), or an OLE compound file (XLS).
pub(crate) fn is_spreadsheet(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return true;
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return false;
    }
    let head = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    memchr::memmem::find(head, b"xl/").is_some()
        || memchr::memmem::find(head, b"application/vnd.oasis.opendocument.spreadsheet").is_some()
}

/// The content's kind (after a byte order mark): a first non-blank byte `[` is JSON; `{` is
/// NDJSON when the first non-blank line is a complete object followed by more lines or
/// holding `stream_id`, else JSON; lines starting with a timestamp followed by key/value
/// pairs are text logs; anything else is CSV.
pub(crate) fn sniff_content(bytes: &[u8]) -> Content {
    if is_parquet(bytes) {
        return Content::Parquet;
    }
    if is_arrow(bytes) {
        return Content::Arrow;
    }
    if is_spreadsheet(bytes) {
        return Content::Spreadsheet;
    }
    if is_pdf(bytes) {
        return Content::Pdf;
    }
    let body = strip_bom(bytes).trim_ascii_start();
    match body.first() {
        Some(b'{') => {
            let (first, rest) = match memchr::memchr(b'\n', body) {
                Some(i) => (
                    body.get(..i).unwrap_or_default(),
                    body.get(i..).unwrap_or_default(),
                ),
                None => (body, &b""[..]),
            };
            match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(first) {
                Ok(obj) if !rest.trim_ascii().is_empty() || obj.contains_key("stream_id") => {
                    Content::Ndjson
                }
                _ => Content::Json,
            }
        }
        Some(b'[') => Content::Json,
        _ if crate::text::looks_like_text(body) => Content::Text,
        _ => Content::Csv,
    }
}

/// The format content looks like: [`Format::Json`] when the first non-blank byte (after a
/// UTF-8 byte order mark) is `[`, or `{` opening a document that is not one record per line;
/// [`Format::Ndjson`] for lines each holding a complete object (or one line holding a record
/// envelope); [`Format::Text`] for log lines that start with a timestamp followed by
/// key/value pairs; [`Format::Spreadsheet`] for a ZIP holding `xl/` entries or an
/// OpenDocument spreadsheet, or an OLE compound file (`.xls`); [`Format::Pdf`] for `%PDF-`
/// within the first 1024 bytes; [`Format::Parquet`] for `PAR1` at the start;
/// [`Format::Arrow`] for `ARROW1` at the start (an IPC file) or `FF FF FF FF` and a small
/// length (an IPC stream); else [`Format::Csv`].
///
/// # Examples
/// ```
/// use stratos_ingest::{sniff_format, Format};
/// assert_eq!(sniff_format(b"\n{\"stream_id\":\"a\"}\n"), Format::Ndjson);
/// assert_eq!(sniff_format(b"{\"v\": 1}\n{\"v\": 2}\n"), Format::Ndjson);
/// assert_eq!(sniff_format(b"{\n  \"data\": [{\"v\": 1}]\n}\n"), Format::Json);
/// assert_eq!(sniff_format(b"[{\"v\": 1}]"), Format::Json);
/// assert_eq!(sniff_format(b"2025-01-15: Temperature 23.5\xC2\xB0C, Humidity 65%\n"), Format::Text);
/// assert_eq!(sniff_format(b"%PDF-1.7\n"), Format::Pdf);
/// assert_eq!(sniff_format(b"PAR1\x15\x04"), Format::Parquet);
/// assert_eq!(sniff_format(b"ARROW1\0\0"), Format::Arrow);
/// assert_eq!(sniff_format(b"timestamp,value\n"), Format::Csv);
/// assert_eq!(sniff_format(b"2025-01-15,23.5\n"), Format::Csv);
/// ```
pub fn sniff_format(bytes: &[u8]) -> Format {
    match sniff_content(bytes) {
        Content::Ndjson => Format::Ndjson,
        Content::Json => Format::Json,
        Content::Text => Format::Text,
        Content::Csv => Format::Csv,
        Content::Spreadsheet => Format::Spreadsheet,
        Content::Pdf => Format::Pdf,
        Content::Parquet => Format::Parquet,
        Content::Arrow => Format::Arrow,
    }
}

/// True for a record of one blank field: such lines are skipped.
pub(crate) fn is_blank_record(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && record.get(0).is_some_and(|f| f.trim_ascii().is_empty())
}

/// A reader with the crate's CSV settings: RFC 4180 quotes, any field count (checked by the
/// caller, who knows the line), no header handling.
pub(crate) fn csv_reader(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// The first `max` non-blank records, as owned fields.
///
/// When `lines` (no quote anywhere in `bytes` and every carriage return part of a `\r\n`,
/// see [`lines_are_records`]), the `csv` crate's records are exactly the lines split at the
/// delimiter, so they are read that way without building a tokenizer. Otherwise the `csv`
/// crate reads them, stopping quietly at a tokenizer error (the full read reports it with
/// its line).
pub(crate) fn head_records(
    bytes: &[u8],
    delimiter: u8,
    max: usize,
    lines: bool,
) -> Vec<Vec<Vec<u8>>> {
    if lines {
        return record_lines(bytes, delimiter)
            .take(max)
            .map(|line| {
                line.split(|&b| b == delimiter)
                    .map(<[u8]>::to_vec)
                    .collect()
            })
            .collect();
    }
    let mut reader = csv_reader(bytes, delimiter);
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    while rows.len() < max && matches!(reader.read_byte_record(&mut record), Ok(true)) {
        if !is_blank_record(&record) {
            rows.push(record.iter().map(<[u8]>::to_vec).collect());
        }
    }
    rows
}

/// The field counts of the first [`SNIFF_RECORDS`] non-blank records (see [`head_records`]);
/// lines are counted without copying a field.
fn head_field_counts(bytes: &[u8], delimiter: u8, lines: bool) -> Vec<usize> {
    if lines {
        return record_lines(bytes, delimiter)
            .take(SNIFF_RECORDS)
            .map(|line| memchr::memchr_iter(delimiter, line).count() + 1)
            .collect();
    }
    head_records(bytes, delimiter, SNIFF_RECORDS, false)
        .iter()
        .map(Vec::len)
        .collect()
}

/// The non-blank lines of `bytes` without their line breaks: its records when
/// [`lines_are_records`].
fn record_lines(bytes: &[u8], delimiter: u8) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(move |line| !is_blank_line(line, delimiter))
}

/// True when the `csv` crate's records in `bytes` are exactly its lines: no quote character
/// anywhere and every carriage return part of a `\r\n`.
pub(crate) fn lines_are_records(bytes: &[u8]) -> bool {
    // One pass for both bytes: a quote fails at once, a carriage return unless `\r\n`.
    memchr::memchr2_iter(b'"', b'\r', bytes)
        .all(|i| bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n'))
}

/// A line (without its line break) that holds no record: only whitespace and no delimiter,
/// as [`is_blank_record`] judges the `csv` crate's records.
pub(crate) fn is_blank_line(line: &[u8], delimiter: u8) -> bool {
    line.trim_ascii().is_empty() && !line.contains(&delimiter)
}

/// Picks the delimiter among [`DELIMITERS`]: the one that splits the first records into the
/// same number (more than one) of fields, preferring more fields, then the order of
/// [`DELIMITERS`]. When none is consistent, the one whose most common field count (above
/// one) covers the most records; when every candidate yields one field, `,`.
///
/// `lines` is [`lines_are_records`] of `bytes` (see [`head_records`]).
pub(crate) fn sniff_delimiter(bytes: &[u8], lines: bool) -> u8 {
    let truncated = bytes.len() > SNIFF_BYTES;
    let head = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    // Cut a truncated head at its last line break so no record is cut short.
    let head = if truncated {
        memchr::memrchr(b'\n', head)
            .and_then(|i| head.get(..i))
            .unwrap_or(head)
    } else {
        head
    };
    let mut consistent: Option<(usize, u8)> = None;
    let mut modal: Option<(usize, u8)> = None;
    for d in DELIMITERS {
        let counts = head_field_counts(head, d, lines);
        let Some(&first) = counts.first() else {
            continue;
        };
        if first > 1 && counts.iter().all(|&c| c == first) {
            if consistent.is_none_or(|(n, _)| first > n) {
                consistent = Some((first, d));
            }
            continue;
        }
        let mut freq: Vec<(usize, usize)> = Vec::new();
        for &c in counts.iter().filter(|&&c| c > 1) {
            match freq.iter_mut().find(|(n, _)| *n == c) {
                Some((_, k)) => *k += 1,
                None => freq.push((c, 1)),
            }
        }
        if let Some(best) = freq.iter().map(|&(_, k)| k).max()
            && modal.is_none_or(|(k, _)| best > k)
        {
            modal = Some((best, d));
        }
    }
    consistent.or(modal).map_or(b',', |(_, d)| d)
}

/// Decides whether the first record is a header: some column holds a name in the first
/// record (not a number, timestamp or missing token) and only numbers and timestamps (at
/// least one) below it. A lone record is a header when every cell is a non-empty name.
#[cfg(test)]
pub(crate) fn sniff_header(rows: &[Vec<Vec<u8>>]) -> bool {
    sniff_header_with(rows, |_| false)
}

/// [`sniff_header`] where `extra` also marks values (extra missing markers, numbers with
/// a decimal comma).
pub(crate) fn sniff_header_with(rows: &[Vec<Vec<u8>>], extra: impl Fn(&[u8]) -> bool) -> bool {
    let Some((first, body)) = rows.split_first() else {
        return false;
    };
    let value_like = |c: &[u8]| cell::is_value_like(c) || extra(c);
    let is_name = |c: &[u8]| !c.trim_ascii().is_empty() && !value_like(c);
    if body.is_empty() {
        return first.iter().all(|c| is_name(c));
    }
    first.iter().enumerate().any(|(j, head)| {
        if !is_name(head) {
            return false;
        }
        let mut present = 0;
        let all_values = body
            .iter()
            .filter_map(|row| row.get(j))
            .filter(|c| !cell::is_missing(c.trim_ascii()))
            .all(|c| {
                present += 1;
                value_like(c)
            });
        all_values && present > 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head records, read both ways where the line reading applies (they must agree).
    fn rows(text: &str, d: u8) -> Vec<Vec<Vec<u8>>> {
        let tokenized = head_records(text.as_bytes(), d, HEADER_RECORDS, false);
        if lines_are_records(text.as_bytes()) {
            assert_eq!(
                head_records(text.as_bytes(), d, HEADER_RECORDS, true),
                tokenized,
                "{text:?}"
            );
        }
        tokenized
    }

    /// The delimiter, sniffed both ways where the line reading applies (they must agree).
    fn sniff_delimiter(bytes: &[u8]) -> u8 {
        let tokenized = super::sniff_delimiter(bytes, false);
        if lines_are_records(bytes) {
            assert_eq!(super::sniff_delimiter(bytes, true), tokenized);
        }
        tokenized
    }

    #[test]
    fn lines_read_as_the_csv_crate_reads_quote_free_text() {
        let texts = [
            "a,b\n1,2\n",
            "a,b\r\n1,2\r\n\r\n3,4",
            "\n\n  \n\ta,b\n \t \n1,2\n,\n ,\n",
            "a;b;c\n1;2\n3;4;5;6\n\n",
            "x\ty\n\t\n 1 \t 2 \n",
            "",
            "\n",
            "   ",
            "a|b\n1|2|\n|\n",
            "a,b\n\x0c\n1,2",
        ];
        for text in texts {
            assert!(lines_are_records(text.as_bytes()), "{text:?}");
            for d in DELIMITERS {
                for max in [1, 2, 3, HEADER_RECORDS] {
                    assert_eq!(
                        head_records(text.as_bytes(), d, max, true),
                        head_records(text.as_bytes(), d, max, false),
                        "{text:?} split at {:?}, {max} records",
                        char::from(d)
                    );
                }
            }
            let _ = sniff_delimiter(text.as_bytes());
        }
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a;b\n1,5;2,5\n3,5;4\n"), b';');
        assert_eq!(sniff_delimiter(b"a|b|c\n1|2|3\n"), b'|');
        assert_eq!(
            sniff_delimiter(b"name\tnote\nx\t\"a, b\"\ny\t\"c, d, e\"\n"),
            b'\t'
        );
        assert_eq!(sniff_delimiter(b"1\n2\n3\n"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
        // Ragged: the most common count wins.
        assert_eq!(sniff_delimiter(b"a;b\n1;2\n3;4;5\n6;7\n"), b';');
    }

    #[test]
    fn delimiter_sniffing_ignores_a_cut_last_line() {
        let mut text = String::from("t;v\n");
        while text.len() < SNIFF_BYTES + 100 {
            text.push_str("2025-01-01;1,25\n");
        }
        assert_eq!(sniff_delimiter(text.as_bytes()), b';');
    }

    #[test]
    fn headers() {
        assert!(sniff_header(&rows(
            "timestamp,value\n2025-01-01,1.5\n",
            b','
        )));
        assert!(sniff_header(&rows("a,b\nx,1\ny,NA\n", b',')));
        assert!(!sniff_header(&rows("1,2\n3,4\n", b',')));
        assert!(!sniff_header(&rows("x,1\ny,2\n", b',')));
        assert!(!sniff_header(&rows("a,b\nc,d\n", b',')));
        assert!(sniff_header(&rows("timestamp,value\n", b',')));
        assert!(!sniff_header(&rows("2025-01-01,4\n", b',')));
        assert!(!sniff_header(&rows("a,\n", b',')));
        assert!(!sniff_header(&[]));
    }

    #[test]
    fn content() {
        assert_eq!(sniff_content(b"\xEF\xBB\xBF {"), Content::Json);
        assert_eq!(sniff_content(b"\xEF\xBB\xBF {}\n{}"), Content::Ndjson);
        assert_eq!(sniff_content(b"[{}]"), Content::Json);
        assert_eq!(sniff_content(b"{\"a\": [{}]}"), Content::Json);
        assert_eq!(sniff_content(b"{\"a\": 1}\n{\"a\": 2}"), Content::Ndjson);
        assert_eq!(sniff_content(b"{\"stream_id\": \"s\"}"), Content::Ndjson);
        assert_eq!(sniff_content(b"{\n\"a\": 1}\n"), Content::Json);
        assert_eq!(sniff_content(b""), Content::Csv);
        assert_eq!(strip_bom(b"\xEF\xBB\xBFa"), b"a");
    }
}
