//! [`NdjsonRows`]: records pulled one NDJSON line at a time, and the JSON-object decoding
//! the batch readers share.

use super::*;

/// Records pulled one NDJSON line at a time (see the [module docs](super)).
#[derive(Debug)]
pub struct NdjsonRows<R> {
    input: R,
    line: u64,
    buf: Vec<u8>,
    limits: Limits,
    rules: RecordRules,
    next_buffered: bool,
    /// The members of the line's object, reused from line to line.
    members: Vec<(String, Json)>,
}

impl<R: BufRead> NdjsonRows<R> {
    /// A reader over `input` with the options' budgets, stream field and date pattern.
    ///
    /// # Errors
    /// [`IngestError::InvalidOptions`] for a bad date pattern.
    pub fn new(input: R, options: &ReadOptions) -> Result<Self, IngestError> {
        Ok(NdjsonRows {
            input,
            line: 0,
            buf: Vec::new(),
            limits: *options.limits(),
            rules: RecordRules {
                stream_field: options.stream_field().map(str::to_owned),
                date_format: date_pattern(options)?,
            },
            next_buffered: false,
            members: Vec::new(),
        })
    }

    /// The last line read (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Whether the next line is already whole in the input's buffer, so that
    /// [`NdjsonRows::next_record`] will return without reading from the source
    /// ([`BufRead::fill_buf`] reads only once the buffer is empty). False before the first
    /// line, after a line that ended the buffered bytes or left only part of the next line,
    /// and at the end of the input: the next call may then wait for input.
    ///
    /// This is the moment for a caller writing output as it goes to flush it: output leaves
    /// before the reader waits on a live feed (a pipe, a socket), yet a burst of buffered
    /// lines costs one write instead of one per line.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::Record;
    /// use stratos_ingest::stream::NdjsonRows;
    /// use stratos_ingest::ReadOptions;
    /// # fn main() -> Result<(), stratos_ingest::IngestError> {
    /// // The buffer holds two whole lines and the start of a third.
    /// let input: &[u8] = b"{\"v\":1}\n{\"v\":2}\n{\"v\"";
    /// let mut rows = NdjsonRows::new(input, &ReadOptions::default())?;
    /// let mut record = Record::new("");
    /// assert!(!rows.next_line_buffered());
    /// rows.next_record(&mut record)?;
    /// assert!(rows.next_line_buffered());
    /// rows.next_record(&mut record)?;
    /// assert!(!rows.next_line_buffered());
    /// # Ok(()) }
    /// ```
    pub fn next_line_buffered(&self) -> bool {
        self.next_buffered
    }

    /// Reads the next line into `record`: `Ok(None)` at the end of the input.
    ///
    /// # Errors
    /// Only for an I/O failure or a broken decompression budget; a bad line is
    /// [`Pulled::Bad`] with a [`IngestError::Json`] (or [`IngestError::Limit`]) naming it.
    pub fn next_record(&mut self, record: &mut Record) -> Result<Option<Pulled>, IngestError> {
        self.line += 1;
        let line = self.line;
        match read_line(
            &mut self.input,
            &mut self.buf,
            self.limits.max_line_bytes,
            &mut self.next_buffered,
        )
        .map_err(|e| io_failure(e, line))?
        {
            LineRead::Eof => return Ok(None),
            LineRead::TooLong => return Ok(Some(too_long(line, &self.limits))),
            LineRead::Line => {}
        }
        let text = if line == 1 {
            crate::sniff::strip_bom(&self.buf)
        } else {
            &self.buf[..]
        };
        let text = text.trim_ascii();
        if text.is_empty() {
            return Ok(Some(Pulled::Blank));
        }
        if let Some(pulled) =
            decode_object(text, &self.limits, &self.rules, &mut self.members, record)
        {
            return Ok(Some(pulled));
        }
        Ok(Some(decode_line(
            text,
            line,
            &self.limits,
            &self.rules,
            record,
        )))
    }
}

/// The deepest nesting of arrays and objects in `json` (outside strings).
pub(crate) fn nesting_depth(json: &[u8]) -> u64 {
    let (mut depth, mut deepest) = (0u64, 0u64);
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The members of a JSON object, read straight into a vector (no map built and dropped per
/// line); anything but an object fails.
struct ObjectMembers<'a>(&'a mut Vec<(String, Json)>);

impl<'de> serde::de::DeserializeSeed<'de> for ObjectMembers<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ObjectMembers<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            self.0.push((k, v));
        }
        Ok(())
    }
}

/// Whether a [`Map`] iterates its members sorted by key (serde_json's default map; its
/// `preserve_order` feature keeps insertion order instead).
fn maps_are_sorted() -> bool {
    static SORTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut m = Map::new();
        m.insert("b".to_owned(), Json::Null);
        m.insert("a".to_owned(), Json::Null);
        m.keys().next().is_some_and(|k| k == "a")
    })
}

/// The common case of [`decode_line`]: a line within the nesting budget holding one strict
/// JSON object, read into `members` (sorted by key, the last of a repeated key kept: the
/// members a [`Map`] would give) and then into `record`. `None` for any other line, left to
/// [`decode_line`] (which also gives every error).
fn decode_object(
    text: &[u8],
    limits: &Limits,
    rules: &RecordRules,
    members: &mut Vec<(String, Json)>,
    record: &mut Record,
) -> Option<Pulled> {
    if !maps_are_sorted() || !text.starts_with(b"{") {
        return None;
    }
    let depth_limit = u64::from(limits.max_nesting_depth);
    if memchr::memchr2_iter(b'{', b'[', text).count() as u64 > depth_limit
        && nesting_depth(text) > depth_limit
    {
        return None;
    }
    members.clear();
    let mut de = serde_json::Deserializer::from_slice(text);
    if serde::de::DeserializeSeed::deserialize(ObjectMembers(members), &mut de).is_err()
        || de.end().is_err()
    {
        return None;
    }
    // A map's order: sorted by key (stably, so repeats stay in input order), and of a
    // repeated key the last value.
    members.sort_by(|a, b| a.0.cmp(&b.0));
    members.dedup_by(|later, kept| {
        if later.0 == kept.0 {
            std::mem::swap(later, kept);
            true
        } else {
            false
        }
    });
    match fill_record(members.drain(..), rules, record) {
        Ok(()) => Some(Pulled::Row),
        // Its error names the line: decode_line reads the line again and gives it.
        Err(_) => None,
    }
}

/// One NDJSON line into `record`.
pub(super) fn decode_line(
    text: &[u8],
    line: u64,
    limits: &Limits,
    rules: &RecordRules,
    record: &mut Record,
) -> Pulled {
    let at = || Box::new(Location::default().with_line(line));
    let depth_limit = u64::from(limits.max_nesting_depth);
    if memchr::memchr2_iter(b'{', b'[', text).count() as u64 > depth_limit
        && nesting_depth(text) > depth_limit
    {
        return Pulled::Bad(IngestError::limit(
            Location::default().with_line(line),
            LimitKind::NestingDepth,
            depth_limit,
        ));
    }
    let parsed = serde_json::from_slice::<Json>(text).or_else(|e| {
        record::relaxed_to_json(text)
            .and_then(|j| serde_json::from_slice::<Json>(&j).ok())
            .ok_or(e)
    });
    let object = match parsed {
        Ok(Json::Object(m)) => m,
        Ok(other) => {
            return Pulled::Bad(IngestError::Json {
                location: at(),
                message: format!("expected a JSON object, found {}", json_kind(&other)),
            });
        }
        Err(e) => {
            return Pulled::Bad(IngestError::Json {
                location: at(),
                message: e.to_string(),
            });
        }
    };
    match fill_record(object, rules, record) {
        Ok(()) => Pulled::Row,
        Err(issue) => Pulled::Bad(IngestError::Json {
            location: at(),
            message: issue.0,
        }),
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Reads one JSON object of any shape as a record, as [`NdjsonRows`] does for each line.
///
/// # Errors
/// [`IngestError::Json`] for malformed JSON, a value that is not an object, or an
/// unreadable time; [`IngestError::Limit`] past the nesting budget.
///
/// # Examples
/// ```
/// use stratos_ingest::{stream::record_from_json, ReadOptions};
/// let r = record_from_json(br#"{"sensor_id":"s1","value":42.5,"timestamp":"2023-06-01T12:00:00Z"}"#,
///                          &ReadOptions::default()).unwrap();
/// assert_eq!(r.stream_id, "s1");
/// assert_eq!(r.number("value").unwrap(), 42.5);
/// ```
pub fn record_from_json(json: &[u8], options: &ReadOptions) -> Result<Record, IngestError> {
    let rules = RecordRules {
        stream_field: options.stream_field().map(str::to_owned),
        date_format: date_pattern(options)?,
    };
    let mut record = Record::new("");
    match decode_line(json.trim_ascii(), 1, options.limits(), &rules, &mut record) {
        Pulled::Bad(mut e) => {
            if let IngestError::Json { location, .. } | IngestError::Limit { location, .. } = &mut e
            {
                location.line = None;
            }
            Err(e)
        }
        _ => Ok(record),
    }
}

/// A JSON object into `record` (the batch JSON reader's records that are envelopes).
pub(crate) fn fill_from_object(
    object: Map<String, Json>,
    options: &ReadOptions,
    record: &mut Record,
) -> Result<(), String> {
    let rules = RecordRules {
        stream_field: options.stream_field().map(str::to_owned),
        date_format: date_pattern(options).ok().flatten(),
    };
    fill_record(object, &rules, record).map_err(|i| i.0)
}
