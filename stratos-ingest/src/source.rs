//! Where input comes from (files, standard input, `http(s)://` URLs) and the compressed
//! containers it may arrive in (gzip, zstd, bzip2, a zip holding one data file), recognised
//! by their magic bytes whatever the name says.
//!
//! Decompressed bytes count against [`Limits::max_decompressed_bytes`]; a download counts
//! against the same budget. Every buffer sized by the input grows with `try_reserve`, so a
//! bomb is an [`IngestError::Limit`] (or an out-of-memory error), never an abort.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use crate::error::IngestError;
use crate::limits::{LimitKind, Limits};
use crate::location::Location;

/// A compressed container, recognised by its magic bytes ([`detect_compression`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// gzip (`1f 8b`), one member or several.
    Gzip,
    /// Zstandard (`28 b5 2f fd`).
    Zstd,
    /// bzip2 (`BZh1`…`BZh9`).
    Bzip2,
    /// A zip archive (`PK 03 04`) that is not a spreadsheet; it must hold one data file.
    Zip,
}

impl Compression {
    /// The name used in messages (`gzip`, `zstd`, `bzip2`, `zip`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Zip => "zip",
        }
    }
}

/// The container `bytes` start with, if any. A zip holding a spreadsheet (XLSX, ODS) is a
/// spreadsheet, not a container.
///
/// # Examples
/// ```
/// use stratos_ingest::{detect_compression, Compression};
/// assert_eq!(detect_compression(b"\x1f\x8b\x08\0"), Some(Compression::Gzip));
/// assert_eq!(detect_compression(b"\x28\xb5\x2f\xfd"), Some(Compression::Zstd));
/// assert_eq!(detect_compression(b"BZh91AY"), Some(Compression::Bzip2));
/// assert_eq!(detect_compression(b"timestamp,value\n"), None);
/// ```
pub fn detect_compression(bytes: &[u8]) -> Option<Compression> {
    match bytes {
        [0x1f, 0x8b, ..] => Some(Compression::Gzip),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Compression::Zstd),
        [b'B', b'Z', b'h', b'1'..=b'9', ..] => Some(Compression::Bzip2),
        [b'P', b'K', 3, 4, ..] if !crate::sniff::is_spreadsheet(bytes) => Some(Compression::Zip),
        _ => None,
    }
}

/// The extensions that name a container, stripped to find the format of what is inside.
const CONTAINER_EXTENSIONS: [&str; 7] = ["gz", "gzip", "zst", "zstd", "bz2", "bzip2", "zip"];

/// `name` without a container extension (`prices.csv.gz` → `prices.csv`).
pub(crate) fn strip_container_extension(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext))
            if CONTAINER_EXTENSIONS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(ext)) =>
        {
            stem
        }
        _ => name,
    }
}

/// A marker carried inside an [`io::Error`] when a [`Bounded`] reader runs past its budget,
/// turned back into [`IngestError::Limit`] by [`io_error`].
#[derive(Debug)]
pub(crate) struct OverBudget {
    pub(crate) what: LimitKind,
    pub(crate) limit: u64,
}

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "input exceeds the limit of {} {}", self.limit, self.what)
    }
}

impl std::error::Error for OverBudget {}

/// An I/O error as an ingest error: a budget overrun becomes [`IngestError::Limit`], a
/// decoder's complaint about corrupt data (or about a method it cannot decode, such as a
/// zip entry's unknown compression method) [`IngestError::Decompress`], the rest
/// [`IngestError::Io`].
pub(crate) fn io_error(
    e: io::Error,
    location: Location,
    compression: Option<Compression>,
) -> IngestError {
    if let Some(b) = e.get_ref().and_then(|i| i.downcast_ref::<OverBudget>()) {
        return IngestError::limit(location, b.what, b.limit);
    }
    match (compression, e.kind()) {
        (
            Some(c),
            io::ErrorKind::InvalidData
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::Unsupported
            | io::ErrorKind::Other,
        ) => IngestError::Decompress {
            location: Box::new(location),
            format: c.name(),
            source: e,
        },
        _ => IngestError::Io {
            location: Box::new(location),
            source: e,
        },
    }
}

/// A reader that fails with [`OverBudget`] once more than `limit` bytes came through.
#[derive(Debug)]
pub(crate) struct Bounded<R> {
    inner: R,
    read: u64,
    limit: u64,
    what: LimitKind,
}

impl<R> Bounded<R> {
    pub(crate) fn new(inner: R, limit: u64, what: LimitKind) -> Self {
        Bounded {
            inner,
            read: 0,
            limit,
            what,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.limit {
            return Err(io::Error::other(OverBudget {
                what: self.what,
                limit: self.limit,
            }));
        }
        Ok(n)
    }
}

/// Reads `reader` to its end into a buffer grown with `try_reserve`.
pub(crate) fn read_all<R: Read>(mut reader: R, hint: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    out.try_reserve(hint.min(1 << 30))
        .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // The allocator's refusal is a budget error, not an abort.
        out.try_reserve(n).map_err(|_| {
            io::Error::other(OverBudget {
                what: LimitKind::Memory,
                limit: out.len() as u64,
            })
        })?;
        out.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// Decompresses a whole container held in memory: the bytes inside and, for a zip, the
/// name of the file inside (for its extension).
pub(crate) fn decompress(
    bytes: &[u8],
    compression: Compression,
    limits: &Limits,
    source: Option<&str>,
) -> Result<(Vec<u8>, Option<String>), IngestError> {
    let at = || Location::source(source);
    let budget = limits.max_decompressed_bytes;
    let hint = bytes.len().saturating_mul(4);
    fn bounded<'r>(r: Box<dyn Read + 'r>, budget: u64) -> Bounded<Box<dyn Read + 'r>> {
        Bounded::new(r, budget, LimitKind::DecompressedBytes)
    }
    let fail = |e: io::Error| io_error(e, at(), Some(compression));
    match compression {
        Compression::Gzip => read_all(
            bounded(Box::new(flate2::read::MultiGzDecoder::new(bytes)), budget),
            hint,
        )
        .map(|b| (b, None))
        .map_err(fail),
        Compression::Bzip2 => read_all(
            bounded(Box::new(bzip2::read::MultiBzDecoder::new(bytes)), budget),
            hint,
        )
        .map(|b| (b, None))
        .map_err(fail),
        Compression::Zstd => {
            let decoder = zstd_reader(bytes).map_err(fail)?;
            read_all(bounded(decoder, budget), hint)
                .map(|b| (b, None))
                .map_err(fail)
        }
        Compression::Zip => unzip_one(bytes, limits, source),
    }
}

/// A streaming zstd decoder over every frame of `input`.
fn zstd_reader<'a, R: Read + 'a>(input: R) -> io::Result<Box<dyn Read + 'a>> {
    ruzstd::decoding::StreamingDecoder::new(input)
        .map(|d| Box::new(d) as Box<dyn Read + 'a>)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

/// The one data file of a zip: directories, `__MACOSX/` entries and hidden files are
/// ignored; none or several data files is an error naming them.
fn unzip_one(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<(Vec<u8>, Option<String>), IngestError> {
    let at = || Location::source(source);
    let bad = |what: String| IngestError::Decompress {
        location: Box::new(at()),
        format: "zip",
        source: io::Error::new(io::ErrorKind::InvalidData, what),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let mut data = Vec::new();
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let base = name.rsplit('/').next().unwrap_or_default();
        if entry.is_dir()
            || name.starts_with("__MACOSX/")
            || base.starts_with('.')
            || base.is_empty()
        {
            continue;
        }
        data.push((i, name));
    }
    let (index, name) = match data.as_slice() {
        [one] => one.clone(),
        [] => return Err(bad("the archive holds no data file".to_owned())),
        many => {
            let names: Vec<&str> = many.iter().take(10).map(|(_, n)| n.as_str()).collect();
            return Err(bad(format!(
                "the archive holds {} files ({}{}); unpack it and name one",
                many.len(),
                names.join(", "),
                if many.len() > 10 { ", …" } else { "" }
            )));
        }
    };
    let entry = archive.by_index(index).map_err(|e| bad(e.to_string()))?;
    let hint = usize::try_from(entry.size().min(limits.max_decompressed_bytes)).unwrap_or(0);
    let bounded = Bounded::new(
        entry,
        limits.max_decompressed_bytes,
        LimitKind::DecompressedBytes,
    );
    let inner = read_all(bounded, hint).map_err(|e| io_error(e, at(), Some(Compression::Zip)))?;
    Ok((inner, Some(name)))
}

/// True for `http://` and `https://` sources.
pub(crate) fn is_url(source: &str) -> bool {
    let lower = source.get(..8).unwrap_or(source).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The last path segment of a URL, without query or fragment (for its extension).
pub(crate) fn url_file_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path)
}

/// The body of a `GET url`, bounded by the decompressed-bytes budget and the time budget.
#[cfg(feature = "http")]
pub(crate) fn http_get(
    url: &str,
    timeout: std::time::Duration,
    limits: &Limits,
) -> Result<Box<dyn Read + Send>, IngestError> {
    let at = || Location::source(Some(url));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(true)
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| {
        let kind = match e {
            ureq::Error::StatusCode(404 | 410) => io::ErrorKind::NotFound,
            ureq::Error::StatusCode(401 | 403) => io::ErrorKind::PermissionDenied,
            ureq::Error::Timeout(_) => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::Other,
        };
        IngestError::Io {
            location: Box::new(at()),
            source: io::Error::new(kind, e.to_string()),
        }
    })?;
    // A declared size over the budget is refused before any byte is read; the budget is
    // counted below in any case (a server may send no length, or a wrong one).
    if response
        .body()
        .content_length()
        .is_some_and(|n| n > limits.max_decompressed_bytes)
    {
        return Err(IngestError::limit(
            at(),
            LimitKind::DecompressedBytes,
            limits.max_decompressed_bytes,
        ));
    }
    let body = response
        .into_body()
        .into_with_config()
        .limit(u64::MAX)
        .reader();
    Ok(Box::new(Bounded::new(
        body,
        limits.max_decompressed_bytes,
        LimitKind::DecompressedBytes,
    )))
}

/// Without the `http` feature a URL is refused with a message saying so.
#[cfg(not(feature = "http"))]
pub(crate) fn http_get(
    url: &str,
    _timeout: std::time::Duration,
    _limits: &Limits,
) -> Result<Box<dyn Read + Send>, IngestError> {
    Err(IngestError::Unsupported {
        location: Box::new(Location::source(Some(url))),
        what: "URL input needs stratos-ingest's `http` feature, which is off in this build"
            .to_owned(),
    })
}

/// A line source for the pull readers: a file, standard input (`-`) or a URL, decompressed
/// on the fly when its first bytes are a gzip, zstd or bzip2 header (a zip is read whole
/// and its one data file served from memory).
///
/// # Errors
/// [`IngestError::Io`] when the source cannot be opened ([`IngestError::is_not_found`] for
/// a missing file or an HTTP 404); [`IngestError::Decompress`] for a corrupt container;
/// [`IngestError::Limit`] past the decompressed-bytes budget.
///
/// # Examples
/// ```
/// use std::io::BufRead;
/// use stratos_ingest::{open_source, ReadOptions};
/// let dir = std::env::temp_dir().join(format!("stratos-open-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("x.csv");
/// std::fs::write(&path, "a,b\n1,2\n").unwrap();
/// let mut r = open_source(path.to_str().unwrap(), &ReadOptions::default()).unwrap();
/// let mut first = String::new();
/// r.read_line(&mut first).unwrap();
/// assert_eq!(first, "a,b\n");
/// assert!(matches!(open_source("no/such.csv", &ReadOptions::default()), Err(e) if e.is_not_found()));
/// ```
pub fn open_source(
    source: &str,
    options: &crate::ReadOptions,
) -> Result<Box<dyn BufRead>, IngestError> {
    let limits = options.limits();
    let raw: Box<dyn Read> = if source == "-" {
        Box::new(io::stdin())
    } else if is_url(source) {
        http_get(source, options.http_timeout(), limits)?
    } else {
        let file = std::fs::File::open(source).map_err(|e| IngestError::io(Some(source), e))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(IngestError::io(
                Some(source),
                io::Error::new(io::ErrorKind::IsADirectory, "is a directory, not a file"),
            ));
        }
        Box::new(file)
    };
    let mut buffered = BufReader::with_capacity(1 << 20, raw);
    let head = buffered
        .fill_buf()
        .map_err(|e| io_error(e, Location::source(Some(source)), None))?;
    let compression = detect_compression(head);
    let budget = limits.max_decompressed_bytes;
    let wrap = |r: Box<dyn Read>| -> Box<dyn BufRead> {
        Box::new(BufReader::with_capacity(
            1 << 20,
            Bounded::new(r, budget, LimitKind::DecompressedBytes),
        ))
    };
    Ok(match compression {
        None => Box::new(buffered),
        Some(Compression::Gzip) => wrap(Box::new(flate2::read::MultiGzDecoder::new(buffered))),
        Some(Compression::Bzip2) => wrap(Box::new(bzip2::read::MultiBzDecoder::new(buffered))),
        Some(Compression::Zstd) => wrap(
            zstd_reader(buffered)
                .map_err(|e| io_error(e, Location::source(Some(source)), compression))?,
        ),
        Some(Compression::Zip) => {
            let bytes = read_all(
                Bounded::new(buffered, limits.max_memory, LimitKind::Memory),
                0,
            )
            .map_err(|e| io_error(e, Location::source(Some(source)), compression))?;
            let (inner, _) = unzip_one(&bytes, limits, Some(source))?;
            Box::new(Cursor::new(inner))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_extensions_are_stripped() {
        assert_eq!(strip_container_extension("a.csv.gz"), "a.csv");
        assert_eq!(strip_container_extension("a.CSV.ZST"), "a.CSV");
        assert_eq!(strip_container_extension("a.csv"), "a.csv");
        assert_eq!(
            url_file_name("http://h/x/prices.csv.gz?t=1#f"),
            "prices.csv.gz"
        );
        assert!(is_url("HTTPS://example"));
        assert!(!is_url("file.csv"));
    }

    #[test]
    fn bounded_readers_stop_at_their_budget() {
        let data = vec![b'x'; 1000];
        let e = read_all(
            Bounded::new(&data[..], 999, LimitKind::DecompressedBytes),
            0,
        )
        .unwrap_err();
        let e = io_error(e, Location::default(), Some(Compression::Gzip));
        assert!(matches!(e, IngestError::Limit { limit: 999, .. }), "{e}");
        assert_eq!(
            read_all(
                Bounded::new(&data[..], 1000, LimitKind::DecompressedBytes),
                0
            )
            .unwrap()
            .len(),
            1000
        );
    }

    #[test]
    fn corrupt_containers_are_bad_data() {
        let e = decompress(
            b"\x1f\x8b\x08\0garbage",
            Compression::Gzip,
            &Limits::default(),
            Some("x.gz"),
        )
        .unwrap_err();
        assert!(e.is_bad_data(), "{e}");
        assert!(e.to_string().starts_with("x.gz: corrupt gzip data"), "{e}");
    }

    #[test]
    fn a_zip_entry_with_an_unknown_compression_method_is_bad_data() {
        // One stored entry, then its method (local header offset 8, central directory
        // header offset 10) patched to 180, which no decoder knows.
        let mut zipped = Vec::new();
        {
            let mut w = zip::ZipWriter::new(Cursor::new(&mut zipped));
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            w.start_file("data.csv", stored).unwrap();
            std::io::Write::write_all(&mut w, b"t,v\n2025-01-01,1\n").unwrap();
            w.finish().unwrap();
        }
        zipped[8] = 180;
        let central = zipped.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        zipped[central + 10] = 180;
        let e =
            decompress(&zipped, Compression::Zip, &Limits::default(), Some("x.zip")).unwrap_err();
        assert!(e.is_bad_data(), "{e:?}");
        assert!(e.to_string().starts_with("x.zip: corrupt zip data"), "{e}");
    }
}
