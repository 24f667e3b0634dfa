//! A spreadsheet's ZIP parts checked against the read's [`Limits`] before calamine opens it.
//!
//! calamine decompresses a workbook's parts as it goes and materialises some of them whole:
//! an XLSX's shared-strings table at open (reserving room for as many strings as its
//! `uniqueCount` attribute claims), an ODS's every sheet at open (cloning a repeated row or
//! cell once per repeat, and expanding `<text:s text:c="N"/>` to N spaces). So before
//! calamine sees the file, every XML or binary part is streamed once through a counting
//! reader ([`Guarded`]), never held:
//! - the parts' decompressed bytes count against [`Limits::max_decompressed_bytes`];
//! - the shared-strings part against [`Limits::max_shared_string_bytes`], and its
//!   `uniqueCount` (times the size of a string) too;
//! - no XML token (text between tags, or a tag) may be longer than [`Limits::max_line_bytes`]
//!   (the XML parser would buffer it whole);
//! - an ODS body is parsed here as well ([`OdsTally`]): its repeated rows and cells count
//!   against [`Limits::max_cells`], its text (repeats and `text:c` included) against
//!   [`Limits::max_line_bytes`] per cell and [`Limits::max_memory`] in all, and a row past
//!   calamine's last row (where calamine would silently drop it) is refused.

use std::cell::Cell as StdCell;
use std::io::{self, BufReader, Cursor, Read};
use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};

use crate::error::IngestError;
use crate::limits::{LimitKind, Limits};
use crate::location::Location;

/// The last row calamine's ODS reader keeps (rows past it are dropped without a word).
pub(super) const ODS_MAX_ROWS: u64 = 1_048_576;
/// The last column calamine's ODS reader keeps.
pub(super) const ODS_MAX_COLUMNS: u64 = 16_384;
/// Bytes calamine holds per ODS cell: a `Data` and a formula `String`.
const ODS_CELL_BYTES: u64 = 56;

/// A budget a [`Guarded`] reader broke.
type Tripped = Rc<StdCell<Option<(LimitKind, u64)>>>;

/// A reader that counts the bytes through it and the longest XML token, and fails once a
/// budget is broken (recording which in `tripped`).
#[derive(Debug)]
struct Guarded<R> {
    inner: R,
    read: u64,
    max_bytes: u64,
    bytes_kind: LimitKind,
    token: u64,
    max_token: u64,
    tripped: Tripped,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.max_bytes {
            self.tripped.set(Some((self.bytes_kind, self.max_bytes)));
            return Err(io::Error::other("read budget exceeded"));
        }
        let chunk = buf.get(..n).unwrap_or_default();
        let mut last = 0usize;
        for pos in memchr::memchr2_iter(b'<', b'>', chunk) {
            self.token = self.token.saturating_add((pos - last) as u64);
            if self.token > self.max_token {
                break;
            }
            self.token = 0;
            last = pos + 1;
        }
        if self.token <= self.max_token {
            self.token = self
                .token
                .saturating_add(chunk.len().saturating_sub(last) as u64);
        }
        if self.token > self.max_token {
            self.tripped
                .set(Some((LimitKind::LineBytes, self.max_token)));
            return Err(io::Error::other("XML token budget exceeded"));
        }
        Ok(n)
    }
}

/// Checks every part of a ZIP-based workbook (XLSX, XLSB, ODS) against `limits`. Anything
/// that is not a readable ZIP passes: calamine reports it.
pub(super) fn check(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<(), IngestError> {
    // Not only what starts with `PK`: the zip reader finds an archive behind stray leading
    // bytes too, and so does calamine's.
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let at = |part: &str| {
        Location::default().with_path(format!("{}[{part}]", source.unwrap_or("input")))
    };
    let mut total: u64 = 0;
    let mut memory: u64 = 0;
    for i in 0..zip.len() {
        let Ok(file) = zip.by_index(i) else {
            continue;
        };
        let Ok(name) = file.name().map(|n| n.into_owned()) else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".bin") || lower.ends_with(".rels")) {
            continue;
        }
        let shared = lower.ends_with("sharedstrings.xml");
        let ods_body = lower == "content.xml";
        let remaining = limits.max_decompressed_bytes.saturating_sub(total);
        let (max_bytes, bytes_kind) = if shared && limits.max_shared_string_bytes < remaining {
            (limits.max_shared_string_bytes, LimitKind::SharedStringBytes)
        } else {
            (remaining, LimitKind::DecompressedBytes)
        };
        let tripped: Tripped = Rc::default();
        let mut guarded = Guarded {
            inner: file,
            read: 0,
            max_bytes,
            bytes_kind,
            token: 0,
            max_token: if lower.ends_with(".bin") {
                u64::MAX
            } else {
                limits.max_line_bytes
            },
            tripped: Rc::clone(&tripped),
        };
        // A budget is reported as configured (not what was left of it).
        let broke = |tripped: &Tripped| {
            tripped.get().map(|(kind, limit)| {
                let limit = match kind {
                    LimitKind::DecompressedBytes => limits.max_decompressed_bytes,
                    _ => limit,
                };
                IngestError::limit(at(&name), kind, limit)
            })
        };
        if ods_body {
            let mut tally = OdsTally::new(limits);
            let outcome = tally.scan(&mut guarded);
            if let Some(e) = broke(&tripped) {
                return Err(e);
            }
            if let Err(e) = outcome {
                return Err(e.located(at(&name), limits));
            }
            memory = memory.saturating_add(tally.memory);
        } else if shared {
            // calamine reserves room for `uniqueCount` strings as soon as it has parsed the
            // `<sst>` start tag, before reading on: a member that fails later (a bad CRC is
            // only noticed at its end, a corrupt deflate stream midway) still gets that far.
            // So the tag is found with calamine's XML reader and configuration, in the
            // bytes the zip reader yields, whatever happens after it.
            let outcome = sst_unique_count(&mut guarded);
            if let Some(e) = broke(&tripped) {
                return Err(e);
            }
            let strings = match outcome {
                Ok(n) => n,
                Err(what) => {
                    return Err(IngestError::Unsupported {
                        location: Box::new(at(&name)),
                        what: format!("not a readable spreadsheet: shared-strings part {what}"),
                    });
                }
            };
            let held = strings.saturating_mul(std::mem::size_of::<String>() as u64);
            if held > limits.max_shared_string_bytes {
                return Err(IngestError::limit(
                    at(&name),
                    LimitKind::SharedStringBytes,
                    limits.max_shared_string_bytes,
                ));
            }
            memory = memory.saturating_add(guarded.read).saturating_add(held);
        } else {
            let outcome = io::copy(&mut guarded, &mut io::sink());
            if let Some(e) = broke(&tripped) {
                return Err(e);
            }
            if outcome.is_err() {
                // A corrupt member: calamine reports it if it matters.
                continue;
            }
        }
        total = total.saturating_add(guarded.read);
        if memory > limits.max_memory {
            return Err(IngestError::limit(
                at(&name),
                LimitKind::Memory,
                limits.max_memory,
            ));
        }
    }
    Ok(())
}

/// The largest `uniqueCount` a shared-strings part's `<sst>` start tag claims (0 when it
/// claims none), read as calamine reads it: the same XML reader in the same configuration,
/// up to the first `sst` element; then the rest of the part is drained through the budgets.
/// An error says why the part is unreadable before that tag (calamine fails there too); a
/// read error after the tag is calamine's to report, and changes nothing here.
fn sst_unique_count<R: Read>(input: R) -> Result<u64, String> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(input));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let count = loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                break unique_count(&e);
            }
            Ok(Event::Eof) => return Err("has no <sst> element".to_owned()),
            Err(e) => return Err(format!("is malformed before its <sst> element: {e}")),
            Ok(_) => {}
        }
    };
    // Whatever fails after the tag (a bad CRC at the end, say) is calamine's to report.
    let _ = io::copy(reader.get_mut(), &mut io::sink());
    Ok(count)
}

/// The largest `uniqueCount` among an `<sst>` tag's raw attribute bytes, parsed at least as
/// leniently as calamine parses it (spaces around `=`, any quote or none, a `+`, leading
/// zeros); a value too large for `u64` is `u64::MAX`.
fn unique_count(tag: &BytesStart<'_>) -> u64 {
    let raw = tag.as_bytes();
    let key = b"uniqueCount";
    let mut most = 0u64;
    for at in memchr::memmem::find_iter(raw, key) {
        let mut rest = raw.get(at + key.len()..).unwrap_or_default();
        let skip = |r: &mut &[u8], f: fn(u8) -> bool| {
            while let Some((&c, tail)) = r.split_first() {
                if !f(c) {
                    break;
                }
                *r = tail;
            }
        };
        skip(&mut rest, |c| c.is_ascii_whitespace());
        let Some(after_eq) = rest.strip_prefix(b"=") else {
            continue;
        };
        rest = after_eq;
        skip(&mut rest, |c| {
            c.is_ascii_whitespace() || c == b'"' || c == b'\'' || c == b'+'
        });
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let Some(digits) = rest.get(..digits).filter(|d| !d.is_empty()) else {
            continue;
        };
        let value = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        most = most.max(value);
    }
    most
}

/// Why an ODS body is refused.
#[derive(Debug)]
enum OdsRefusal {
    /// A budget.
    Limit(LimitKind),
    /// A row or column past calamine's last, in sheet `sheet`, at 1-based `row`.
    PastLast { sheet: u64, row: u64, column: bool },
    /// Not parseable here (calamine will say why).
    Malformed,
}

impl OdsRefusal {
    fn located(self, at: Location, limits: &Limits) -> IngestError {
        match self {
            OdsRefusal::Limit(kind) => IngestError::limit(at, kind, limits.get(kind)),
            OdsRefusal::PastLast { sheet, row, column } => IngestError::Unsupported {
                location: Box::new(at.with_line(row)),
                what: if column {
                    format!(
                        "sheet {sheet} has cells past column {ODS_MAX_COLUMNS}, the last one the \
                         ODS reader keeps"
                    )
                } else {
                    format!(
                        "sheet {sheet} has data in row {row}, past row {ODS_MAX_ROWS}, the last \
                         one the ODS reader keeps (a repeated row before it spans the rest)"
                    )
                },
            },
            OdsRefusal::Malformed => IngestError::Unsupported {
                location: Box::new(at),
                what: "not a readable spreadsheet: malformed ODS body".to_owned(),
            },
        }
    }
}

/// Counts what calamine will hold for an ODS body: the rectangle of cells of each sheet
/// (repeats expanded, as calamine expands them) and the text in them.
#[derive(Debug)]
struct OdsTally {
    limits: Limits,
    /// Bytes calamine will hold, estimated.
    memory: u64,
    sheet: u64,
    /// Rows so far in the sheet (repeats included).
    row_pos: u64,
    /// The first and one-past-last rows holding data, and the widest data.
    first_row: Option<u64>,
    row_end: u64,
    width: u64,
    /// The current row: its repeat count, column, data width and text bytes.
    row_repeat: u64,
    col: u64,
    row_width: u64,
    row_text: u64,
    /// The current cell: its repeat count and text bytes, when inside one.
    cell: Option<(u64, u64)>,
}

impl OdsTally {
    fn new(limits: &Limits) -> Self {
        OdsTally {
            limits: *limits,
            memory: 0,
            sheet: 0,
            row_pos: 0,
            first_row: None,
            row_end: 0,
            width: 0,
            row_repeat: 1,
            col: 0,
            row_width: 0,
            row_text: 0,
            cell: None,
        }
    }

    fn scan<R: Read>(&mut self, input: R) -> Result<(), OdsRefusal> {
        let mut reader = quick_xml::Reader::from_reader(BufReader::new(input));
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let event = reader
                .read_event_into(&mut buf)
                .map_err(|_| OdsRefusal::Malformed)?;
            match event {
                Event::Eof => return Ok(()),
                Event::Start(e) => self.start(&e, false)?,
                Event::Empty(e) => self.start(&e, true)?,
                Event::End(e) => self.end(e.name().as_ref())?,
                Event::Text(t) => self.text(t.len() as u64)?,
                Event::CData(t) => self.text(t.len() as u64)?,
                _ => {}
            }
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), OdsRefusal> {
        match e.name().as_ref() {
            "table:table" => {
                self.sheet += 1;
                self.row_pos = 0;
                self.first_row = None;
                self.row_end = 0;
                self.width = 0;
            }
            "table:table-row" => {
                self.row_repeat = attr_number(e, "table:number-rows-repeated")?.unwrap_or(1);
                self.col = 0;
                self.row_width = 0;
                self.row_text = 0;
                if empty {
                    self.end("table:table-row")?;
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeat = attr_number(e, "table:number-columns-repeated")?.unwrap_or(1);
                let has_data = e.attributes().with_checks(false).flatten().any(|a| {
                    let k = a.key.as_ref();
                    k.starts_with("office:") || k == "table:formula"
                });
                self.col = self.col.saturating_add(repeat);
                if has_data {
                    self.row_width = self.col;
                    if self.row_width > ODS_MAX_COLUMNS {
                        return Err(OdsRefusal::PastLast {
                            sheet: self.sheet,
                            row: self.row_pos + 1,
                            column: true,
                        });
                    }
                }
                self.cell = (!empty).then_some((repeat.min(ODS_MAX_COLUMNS), 0));
            }
            "text:s" => {
                let spaces = attr_number(e, "text:c")?.unwrap_or(1);
                self.text(spaces)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn text(&mut self, bytes: u64) -> Result<(), OdsRefusal> {
        if let Some((_, text)) = self.cell.as_mut() {
            *text = text.saturating_add(bytes);
            if *text > self.limits.max_line_bytes {
                return Err(OdsRefusal::Limit(LimitKind::LineBytes));
            }
        }
        Ok(())
    }

    fn end(&mut self, name: &str) -> Result<(), OdsRefusal> {
        match name {
            "table:table-cell" | "table:covered-table-cell" => {
                if let Some((repeat, text)) = self.cell.take() {
                    self.row_text = self.row_text.saturating_add(text.saturating_mul(repeat));
                }
            }
            "table:table-row" => {
                let repeat = self.row_repeat;
                if self.row_width > 0 {
                    self.first_row.get_or_insert(self.row_pos);
                    self.row_end = self.row_pos.saturating_add(repeat);
                    self.width = self.width.max(self.row_width);
                    if self.row_end > ODS_MAX_ROWS {
                        // Whatever the budgets, calamine would drop this row.
                        return Err(OdsRefusal::PastLast {
                            sheet: self.sheet,
                            row: self.row_end,
                            column: false,
                        });
                    }
                    // calamine clones the row's values once per repeat, and once more
                    // while reading it.
                    let text = self.row_text.saturating_mul(repeat.saturating_add(1));
                    self.memory = self.memory.saturating_add(text);
                }
                self.row_pos = self.row_pos.saturating_add(repeat);
                self.check()?;
            }
            "table:table" => {
                self.check()?;
                let cells = self.cells();
                self.memory = self
                    .memory
                    .saturating_add(cells.saturating_mul(ODS_CELL_BYTES));
                self.first_row = None;
                self.width = 0;
            }
            _ => {}
        }
        Ok(())
    }

    /// The rectangle of the current sheet's data, in cells.
    fn cells(&self) -> u64 {
        self.first_row
            .map_or(0, |first| (self.row_end - first).saturating_mul(self.width))
    }

    fn check(&self) -> Result<(), OdsRefusal> {
        let cells = self.cells();
        if cells > self.limits.max_cells {
            return Err(OdsRefusal::Limit(LimitKind::Cells));
        }
        let memory = self
            .memory
            .saturating_add(cells.saturating_mul(ODS_CELL_BYTES));
        if memory > self.limits.max_memory {
            return Err(OdsRefusal::Limit(LimitKind::Memory));
        }
        Ok(())
    }
}

/// An attribute holding a count (`None` when absent).
fn attr_number(e: &BytesStart<'_>, key: &str) -> Result<Option<u64>, OdsRefusal> {
    for a in e.attributes().with_checks(false).flatten() {
        if a.key.as_ref() == key {
            return a
                .value
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| OdsRefusal::Malformed);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(body: &str, limits: &Limits) -> Result<u64, OdsRefusal> {
        let mut t = OdsTally::new(limits);
        t.scan(body.as_bytes())?;
        Ok(t.memory)
    }

    #[test]
    fn ods_repeats_count_and_rows_past_the_last_are_refused() {
        let l = Limits::default();
        // A normal trailing filler row of empty repeated cells costs nothing.
        let ok = r#"<table:table><table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#;
        assert!(scan(ok, &l).is_ok());
        let lost = r#"<table:table><table:table-row table:number-rows-repeated="1000000000"><table:table-cell/></table:table-row><table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        assert!(matches!(
            scan(lost, &l),
            Err(OdsRefusal::PastLast {
                row: 1_000_000_001,
                column: false,
                ..
            })
        ));
        let spaces = r#"<table:table><table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/></text:p></table:table-cell></table:table-row></table:table>"#;
        assert!(matches!(
            scan(spaces, &l),
            Err(OdsRefusal::Limit(LimitKind::LineBytes))
        ));
        let wide = r#"<table:table><table:table-row table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="10000" office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
        assert!(matches!(
            scan(wide, &l.with_max_cells(1_000_000)),
            Err(OdsRefusal::Limit(LimitKind::Cells))
        ));
    }

    #[test]
    fn unique_count_is_read_as_leniently_as_calamine_reads_it() {
        let count = |xml: &[u8]| sst_unique_count(xml);
        assert_eq!(
            count(br#"<?xml version="1.0"?><sst count="3" uniqueCount="2">"#),
            Ok(2)
        );
        assert_eq!(
            count(br#"<sst uniqueCount="99999999999999999999999">"#),
            Ok(u64::MAX)
        );
        assert_eq!(count(br#"<x:sst uniqueCount = '+0007'/>"#), Ok(7));
        assert_eq!(count(b"<sst>"), Ok(0));
        assert_eq!(
            count(br#"<sst uniqueCount="1" uniqueCount="900">"#),
            Ok(900)
        );
        assert!(count(b"<other/>").is_err());
        // A part that fails after the tag (as a bad CRC does at its end) still has its count.
        let failing = std::io::Read::chain(
            &br#"<sst uniqueCount="4000000000000"><si><t>a</t></si>"#[..],
            FailingReader,
        );
        assert_eq!(sst_unique_count(failing), Ok(4_000_000_000_000));
    }

    /// A reader that always fails.
    struct FailingReader;

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("bad CRC"))
        }
    }

    #[test]
    fn guarded_reader_counts_bytes_and_tokens() {
        let tripped: Tripped = Rc::default();
        let mut g = Guarded {
            inner: &b"<a>0123456789</a>"[..],
            read: 0,
            max_bytes: 100,
            bytes_kind: LimitKind::DecompressedBytes,
            token: 0,
            max_token: 5,
            tripped: Rc::clone(&tripped),
        };
        assert!(io::copy(&mut g, &mut io::sink()).is_err());
        assert_eq!(tripped.get(), Some((LimitKind::LineBytes, 5)));
        let tripped: Tripped = Rc::default();
        let mut g = Guarded {
            inner: &b"<a>0123456789</a>"[..],
            read: 0,
            max_bytes: 10,
            bytes_kind: LimitKind::DecompressedBytes,
            token: 0,
            max_token: 50,
            tripped: Rc::clone(&tripped),
        };
        assert!(io::copy(&mut g, &mut io::sink()).is_err());
        assert_eq!(tripped.get(), Some((LimitKind::DecompressedBytes, 10)));
    }
}
