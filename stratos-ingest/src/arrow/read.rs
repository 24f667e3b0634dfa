//! Parquet and Arrow IPC files into frames: the sizes the file declares are checked against
//! the [`Limits`] before any of it is decoded, record batches are appended column by column.

use std::io::Cursor;

use ::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use ::arrow::compute::{can_cast_types, cast};
use ::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Schema, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use rustc_hash::FxHashMap;
use stratos_core::{CategoryColumn, Frame, Timestamp};

use crate::cell;
use crate::error::IngestError;
use crate::frame_builder::check_shape;
use crate::limits::{LimitKind, Limits};
use crate::location::Location;

/// Rows per record batch when decoding Parquet.
const PARQUET_BATCH_ROWS: usize = 64 * 1024;

/// The magic that opens and closes a Parquet file.
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";
/// The magic that opens and closes an Arrow IPC file (Feather v2).
const ARROW_MAGIC: &[u8; 6] = b"ARROW1";
/// The continuation marker that opens each message of an Arrow IPC stream.
const STREAM_CONTINUATION: [u8; 4] = [0xFF; 4];

/// A malformed file, located at the source.
fn malformed(
    source: Option<&str>,
    format: &'static str,
    message: impl Into<String>,
) -> IngestError {
    IngestError::Arrow {
        location: Box::new(Location::source(source)),
        format,
        message: message.into(),
    }
}

/// Reads a Parquet file held in memory.
pub(crate) fn read_parquet(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    const FORMAT: &str = "Parquet";
    let bad = |m: String| malformed(source, FORMAT, m);
    let n = bytes.len();
    if n < 12 || !bytes.starts_with(PARQUET_MAGIC) {
        return Err(bad("not a Parquet file (no `PAR1` at the start)".into()));
    }
    match bytes.get(n - 4..) {
        Some(b"PAR1") => {}
        Some(b"PARE") => {
            return Err(IngestError::Unsupported {
                location: Box::new(Location::source(source)),
                what: "the Parquet file's footer is encrypted".to_owned(),
            });
        }
        _ => return Err(bad("truncated: no `PAR1` at the end".into())),
    }
    let footer = bytes
        .get(n - 8..n - 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes);
    if u64::from(footer) + 12 > n as u64 {
        return Err(bad(format!(
            "the footer claims {footer} bytes, more than the file's {n}"
        )));
    }
    // The decoder wants an owned buffer: the copy counts against the memory budget.
    if (n as u64).saturating_mul(2) > limits.max_memory {
        return Err(IngestError::limit(
            Location::source(source),
            LimitKind::Memory,
            limits.max_memory,
        ));
    }
    let data = bytes::Bytes::copy_from_slice(bytes);
    let builder = ParquetRecordBatchReaderBuilder::try_new(data).map_err(|e| bad(e.to_string()))?;
    let meta = builder.metadata();
    let rows = meta.file_metadata().num_rows();
    let rows = usize::try_from(rows).map_err(|_| bad(format!("{rows} rows")))?;
    let columns = builder.schema().fields().len();
    check_shape(rows, columns, limits, || Location::source(source))?;
    let mut unpacked: u64 = 0;
    for group in meta.row_groups() {
        for chunk in group.columns() {
            let size = chunk.uncompressed_size();
            let size = u64::try_from(size)
                .map_err(|_| bad(format!("a column chunk claims {size} bytes")))?;
            unpacked = unpacked.saturating_add(size);
        }
    }
    if unpacked > limits.max_decompressed_bytes {
        return Err(IngestError::limit(
            Location::source(source),
            LimitKind::DecompressedBytes,
            limits.max_decompressed_bytes,
        ));
    }
    let schema = builder.schema().clone();
    let reader = builder
        .with_batch_size(PARQUET_BATCH_ROWS)
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let mut frame = FrameAssembler::new(&schema, source);
    for batch in reader {
        let batch = batch.map_err(|e| bad(e.to_string()))?;
        frame.push(&batch, limits)?;
    }
    frame.finish()
}

/// Reads an Arrow IPC file (`ARROW1`) or stream held in memory.
pub(crate) fn read_ipc(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    const FORMAT: &str = "Arrow IPC";
    let bad = |m: String| malformed(source, FORMAT, m);
    let mut frame;
    if bytes.starts_with(ARROW_MAGIC) {
        check_ipc_file(bytes).map_err(bad)?;
        let reader = ::arrow::ipc::reader::FileReader::try_new(Cursor::new(bytes), None)
            .map_err(|e| bad(e.to_string()))?;
        frame = FrameAssembler::new(&reader.schema(), source);
        for batch in reader {
            frame.push(&batch.map_err(|e| bad(e.to_string()))?, limits)?;
        }
    } else {
        check_ipc_stream(bytes, 0).map_err(bad)?;
        let reader = ::arrow::ipc::reader::StreamReader::try_new(Cursor::new(bytes), None)
            .map_err(|e| bad(e.to_string()))?;
        frame = FrameAssembler::new(&reader.schema(), source);
        for batch in reader {
            frame.push(&batch.map_err(|e| bad(e.to_string()))?, limits)?;
        }
    }
    frame.finish()
}

/// Checks an IPC file's footer and every block it lists against the file's size, so the
/// reader never sizes a buffer from a length the file cannot hold.
fn check_ipc_file(bytes: &[u8]) -> Result<(), String> {
    let n = bytes.len();
    if n < 18 || !bytes.ends_with(ARROW_MAGIC) {
        return Err("truncated: no `ARROW1` at the end".into());
    }
    let len = bytes
        .get(n - 10..n - 6)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(-1, i32::from_le_bytes);
    let len = usize::try_from(len)
        .ok()
        .filter(|l| l + 18 <= n)
        .ok_or_else(|| format!("the footer claims {len} bytes of a {n}-byte file"))?;
    let footer_bytes = bytes.get(n - 10 - len..n - 10).unwrap_or_default();
    let footer = ::arrow::ipc::root_as_footer(footer_bytes).map_err(|e| e.to_string())?;
    let blocks = footer
        .recordBatches()
        .into_iter()
        .flatten()
        .chain(footer.dictionaries().into_iter().flatten());
    for block in blocks {
        let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
        let end = u64::try_from(offset)
            .ok()
            .zip(u64::try_from(meta).ok())
            .zip(u64::try_from(body).ok())
            .map(|((o, m), b)| o.saturating_add(m).saturating_add(b));
        if end.is_none_or(|e| e > n as u64) {
            return Err(format!(
                "a block at offset {offset} claims {meta} + {body} bytes, past the file's {n}"
            ));
        }
    }
    Ok(())
}

/// Walks an IPC stream's messages from `at`, checking that each message's metadata and
/// body lie inside the input.
fn check_ipc_stream(bytes: &[u8], mut at: usize) -> Result<(), String> {
    let n = bytes.len();
    let word = |i: usize| {
        bytes
            .get(i..i + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
    };
    loop {
        let Some(mut w) = word(at) else {
            // End of input without an end-of-stream marker: the reader stops there too.
            return Ok(());
        };
        let mut head = 4;
        if w == STREAM_CONTINUATION {
            w = word(at + 4).ok_or_else(|| format!("truncated message at byte {at}"))?;
            head = 8;
        }
        let meta = i32::from_le_bytes(w);
        if meta == 0 {
            return Ok(());
        }
        let meta = usize::try_from(meta)
            .ok()
            .filter(|m| at + head + m <= n)
            .ok_or_else(|| format!("a message at byte {at} claims {meta} bytes of metadata"))?;
        let meta_bytes = bytes
            .get(at + head..at + head + meta)
            .ok_or_else(|| format!("truncated message at byte {at}"))?;
        let message = ::arrow::ipc::root_as_message(meta_bytes).map_err(|e| e.to_string())?;
        let body = message.bodyLength();
        let body = usize::try_from(body)
            .ok()
            .filter(|b| (at + head + meta).checked_add(*b).is_some_and(|e| e <= n))
            .ok_or_else(|| format!("a message at byte {at} claims a body of {body} bytes"))?;
        at += head + meta + body;
    }
}

/// How one Arrow column lands in the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The frame's time column.
    Time,
    /// A numeric column (f64, NaN for null).
    Numeric,
    /// A category column (text, dictionary-encoded).
    Category,
    /// A column the frame cannot hold (binary, nested): left out.
    Skip,
}

/// True for the Arrow types read as instants.
fn is_temporal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
    )
}

/// True for text, plain or dictionary-encoded.
fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

/// The role of each field: the time column is the first temporal field whose name says
/// time ([`crate::TIME_COLUMN_NAMES`]), else the first temporal field; other temporal fields
/// and text are categories; numbers, decimals, booleans, durations and times of day numeric.
fn roles(schema: &Schema) -> Vec<Role> {
    let fields = schema.fields();
    let temporal = |i: &usize| fields.get(*i).is_some_and(|f| is_temporal(f.data_type()));
    let time = (0..fields.len())
        .filter(temporal)
        .find(|&i| fields.get(i).is_some_and(|f| cell::is_time_name(f.name())))
        .or_else(|| (0..fields.len()).find(temporal));
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let t = f.data_type();
            if Some(i) == time {
                Role::Time
            } else if is_temporal(t) || is_text(t) {
                Role::Category
            } else if matches!(t, DataType::Null)
                || (t.is_primitive() && can_cast_types(t, &DataType::Float64))
                || matches!(t, DataType::Boolean | DataType::Float16)
            {
                Role::Numeric
            } else {
                Role::Skip
            }
        })
        .collect()
}

/// One column being filled batch by batch.
#[derive(Debug)]
enum Sink {
    Time(Vec<Timestamp>),
    Numeric(Vec<f64>),
    Category {
        index: FxHashMap<String, u32>,
        dictionary: Vec<String>,
        codes: Vec<u32>,
    },
    Skip,
}

/// Record batches appended into frame columns.
#[derive(Debug)]
pub(crate) struct FrameAssembler<'s> {
    names: Vec<String>,
    sinks: Vec<Sink>,
    rows: usize,
    source: Option<&'s str>,
}

impl<'s> FrameAssembler<'s> {
    /// Columns for `schema`'s fields.
    pub(crate) fn new(schema: &Schema, source: Option<&'s str>) -> Self {
        let roles = roles(schema);
        FrameAssembler {
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            sinks: roles
                .iter()
                .map(|r| match r {
                    Role::Time => Sink::Time(Vec::new()),
                    Role::Numeric => Sink::Numeric(Vec::new()),
                    Role::Category => Sink::Category {
                        index: FxHashMap::default(),
                        dictionary: Vec::new(),
                        codes: Vec::new(),
                    },
                    Role::Skip => Sink::Skip,
                })
                .collect(),
            rows: 0,
            source,
        }
    }

    /// Appends a batch, whose columns must match the schema's in number and type.
    pub(crate) fn push(&mut self, batch: &RecordBatch, limits: &Limits) -> Result<(), IngestError> {
        let bad = |m: String| IngestError::Arrow {
            location: Box::new(Location::source(self.source)),
            format: "Arrow",
            message: m,
        };
        if batch.num_columns() != self.sinks.len() {
            return Err(bad(format!(
                "a record batch has {} columns, the schema {}",
                batch.num_columns(),
                self.sinks.len()
            )));
        }
        let rows = self.rows.saturating_add(batch.num_rows());
        check_shape(rows, self.sinks.len(), limits, || {
            Location::source(self.source)
        })?;
        for j in 0..self.sinks.len() {
            let array = batch.column(j);
            let base = self.rows;
            let (source, name) = (self.source, self.names.get(j));
            let at = || {
                let loc = Location::source(source);
                match name {
                    Some(n) => loc.with_column(n.clone()),
                    None => loc,
                }
            };
            let Some(sink) = self.sinks.get_mut(j) else {
                continue;
            };
            match sink {
                Sink::Skip => {}
                Sink::Time(values) => push_times(array, values, base, at)?,
                Sink::Numeric(values) => push_numbers(array, values, at)?,
                Sink::Category {
                    index,
                    dictionary,
                    codes,
                } => push_text(array, index, dictionary, codes, at)?,
            }
        }
        self.rows = rows;
        Ok(())
    }

    /// The frame.
    pub(crate) fn finish(self) -> Result<Frame, IngestError> {
        let mut b = Frame::builder();
        for (name, sink) in self.names.into_iter().zip(self.sinks) {
            b = match sink {
                Sink::Time(values) => b.timestamps(name, values),
                Sink::Numeric(values) => b.numeric(name, values),
                Sink::Category {
                    dictionary, codes, ..
                } => b.category(
                    CategoryColumn::from_parts(name, dictionary, codes)
                        .map_err(|e| IngestError::frame(self.source, e))?,
                ),
                Sink::Skip => b,
            };
        }
        b.build().map_err(|e| IngestError::frame(self.source, e))
    }
}

/// A cell the time column cannot hold.
fn bad_time(at: Location, row: usize, found: String) -> IngestError {
    IngestError::Cell {
        location: Box::new(at),
        expected: format!("a timestamp in row {}", row + 1),
        found,
    }
}

/// Microseconds since the epoch of each cell of a temporal array (any unit; any zone, since
/// Arrow stores the instant and the zone only says how to show it; dates at midnight UTC):
/// `None` for a null, `Some(None)` for a value past i64 microseconds. `None` for other types.
fn micros(array: &ArrayRef) -> Option<Vec<Option<Option<i64>>>> {
    fn of<T: ::arrow::datatypes::ArrowPrimitiveType<Native = i64>>(
        array: &ArrayRef,
        f: impl Fn(i64) -> Option<i64>,
    ) -> Vec<Option<Option<i64>>> {
        array
            .as_primitive::<T>()
            .iter()
            .map(|v| v.map(&f))
            .collect()
    }
    Some(match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            of::<TimestampSecondType>(array, |s| s.checked_mul(1_000_000))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            of::<TimestampMillisecondType>(array, |s| s.checked_mul(1_000))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            of::<TimestampMicrosecondType>(array, Some)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            of::<TimestampNanosecondType>(array, |s| Some(s.div_euclid(1_000)))
        }
        DataType::Date64 => of::<Date64Type>(array, |s| s.checked_mul(1_000)),
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .iter()
            .map(|v| v.map(|d| i64::from(d).checked_mul(86_400_000_000)))
            .collect(),
        _ => return None,
    })
}

/// Appends a temporal array as instants ([`micros`]). A null is an error.
fn push_times(
    array: &ArrayRef,
    out: &mut Vec<Timestamp>,
    base: usize,
    at: impl Fn() -> Location,
) -> Result<(), IngestError> {
    let Some(micros) = micros(array) else {
        return Err(IngestError::Cell {
            location: Box::new(at()),
            expected: "the time column's type in every record batch".into(),
            found: array.data_type().to_string(),
        });
    };
    out.try_reserve(micros.len())
        .map_err(|_| IngestError::limit(at(), LimitKind::Memory, out.len() as u64))?;
    for (i, m) in micros.into_iter().enumerate() {
        let t = match m {
            None => return Err(bad_time(at(), base + i, "null".into())),
            Some(None) => return Err(bad_time(at(), base + i, "an overflowing value".into())),
            Some(Some(us)) => Timestamp::from_micros(us)
                .map_err(|_| bad_time(at(), base + i, format!("{us} µs since 1970")))?,
        };
        out.push(t);
    }
    Ok(())
}

/// Appends a numeric, decimal, boolean, duration or time-of-day array as f64, null as NaN.
fn push_numbers(
    array: &ArrayRef,
    out: &mut Vec<f64>,
    at: impl Fn() -> Location,
) -> Result<(), IngestError> {
    let cast_err = |e: ::arrow::error::ArrowError| IngestError::Cell {
        location: Box::new(at()),
        expected: "numbers".into(),
        found: e.to_string().chars().take(64).collect(),
    };
    let converted = match array.data_type() {
        DataType::Float64 => array.clone(),
        t if can_cast_types(t, &DataType::Float64) => {
            cast(array, &DataType::Float64).map_err(cast_err)?
        }
        _ => cast(
            &cast(array, &DataType::Int64).map_err(cast_err)?,
            &DataType::Float64,
        )
        .map_err(cast_err)?,
    };
    let values = converted.as_primitive::<::arrow::datatypes::Float64Type>();
    out.try_reserve(values.len())
        .map_err(|_| IngestError::limit(at(), LimitKind::Memory, out.len() as u64))?;
    out.extend(values.iter().map(|v| v.unwrap_or(f64::NAN)));
    Ok(())
}

/// Appends text (plain, large, view, dictionary-encoded; or a temporal column shown as RFC
/// 3339) as category codes, null as missing.
fn push_text(
    array: &ArrayRef,
    index: &mut FxHashMap<String, u32>,
    dictionary: &mut Vec<String>,
    codes: &mut Vec<u32>,
    at: impl Fn() -> Location,
) -> Result<(), IngestError> {
    let mut code_of = |s: &str, index: &mut FxHashMap<String, u32>| -> u32 {
        if let Some(&c) = index.get(s) {
            return c;
        }
        let c = u32::try_from(dictionary.len()).unwrap_or(CategoryColumn::MISSING);
        if c != CategoryColumn::MISSING {
            index.insert(s.to_owned(), c);
            dictionary.push(s.to_owned());
        }
        c
    };
    codes
        .try_reserve(array.len())
        .map_err(|_| IngestError::limit(at(), LimitKind::Memory, codes.len() as u64))?;
    if let Some(dict) = array.as_any_dictionary_opt() {
        // Each dictionary value is looked up once; rows map through their keys.
        let values = as_strings(dict.values(), &at)?;
        let value_codes: Vec<u32> = values
            .iter()
            .map(|v| v.map_or(CategoryColumn::MISSING, |s| code_of(s, index)))
            .collect();
        let keys = dict.normalized_keys();
        for (row, key) in keys.iter().enumerate() {
            let code = if array.is_null(row) {
                CategoryColumn::MISSING
            } else {
                value_codes
                    .get(*key)
                    .copied()
                    .unwrap_or(CategoryColumn::MISSING)
            };
            codes.push(code);
        }
        return Ok(());
    }
    let strings = as_strings(array, &at)?;
    for v in strings.iter() {
        codes.push(v.map_or(CategoryColumn::MISSING, |s| code_of(s, index)));
    }
    Ok(())
}

/// An array as UTF-8 strings: text as is, temporal values as RFC 3339.
fn as_strings(array: &ArrayRef, at: &impl Fn() -> Location) -> Result<StringArray, IngestError> {
    let err = |e: ::arrow::error::ArrowError| IngestError::Cell {
        location: Box::new(at()),
        expected: "text".into(),
        found: e.to_string().chars().take(64).collect(),
    };
    if let Some(micros) = micros(array) {
        // Other time columns keep their instants as RFC 3339 text (an instant out of range
        // as missing), as CSV keeps their text.
        let text = micros.into_iter().map(|m| {
            m.flatten()
                .and_then(|us| Timestamp::from_micros(us).ok())
                .map(|t| t.to_string())
        });
        return Ok(text.collect());
    }
    let utf8 = cast(array, &DataType::Utf8).map_err(err)?;
    Ok(utf8.as_string::<i32>().clone())
}

/// Record batches (one schema) as a frame, typed as [`crate::arrow`] describes.
pub(crate) fn frame_from_batches(
    schema: &Schema,
    batches: &[RecordBatch],
    limits: &Limits,
) -> Result<Frame, IngestError> {
    let mut f = FrameAssembler::new(schema, None);
    for b in batches {
        f.push(b, limits)?;
    }
    f.finish()
}
