//! Typed tables (a frame, or rows of results) as Arrow record batches, Parquet and Arrow IPC.

use std::io::Write;
use std::sync::Arc;

use ::arrow::array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use ::arrow::datatypes::{DataType, Field, Int32Type, Schema};
use stratos_core::{CategoryColumn, Frame, Timestamp};

use super::WriteError;

/// The values of one column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ColumnData {
    /// Instants, written as `Timestamp(Microsecond, "UTC")`.
    Time(Vec<Timestamp>),
    /// Numbers, written as `Float64`; NaN is written as null.
    Number(Vec<f64>),
    /// Flags, written as `Boolean`; `None` as null.
    Flag(Vec<Option<bool>>),
    /// Text, written dictionary-encoded (`Dictionary(Int32, Utf8)`); a missing cell as null.
    Category(CategoryColumn),
}

impl ColumnData {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Time(v) => v.len(),
            ColumnData::Number(v) => v.len(),
            ColumnData::Flag(v) => v.len(),
            ColumnData::Category(c) => c.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kind's name, for messages.
    fn kind(&self) -> &'static str {
        match self {
            ColumnData::Time(_) => "time",
            ColumnData::Number(_) => "number",
            ColumnData::Flag(_) => "flag",
            ColumnData::Category(_) => "text",
        }
    }

    /// Appends `other`'s rows, which must be of the same kind.
    fn extend(&mut self, other: ColumnData) -> Result<(), ColumnData> {
        match (self, other) {
            (ColumnData::Time(a), ColumnData::Time(b)) => a.extend(b),
            (ColumnData::Number(a), ColumnData::Number(b)) => a.extend(b),
            (ColumnData::Flag(a), ColumnData::Flag(b)) => a.extend(b),
            (ColumnData::Category(a), ColumnData::Category(b)) => {
                for i in 0..b.len() {
                    a.push(b.get(i));
                }
            }
            (_, other) => return Err(other),
        }
        Ok(())
    }

    /// The Arrow array and its type.
    fn to_array(&self, name: &str) -> Result<(ArrayRef, DataType), WriteError> {
        Ok(match self {
            ColumnData::Time(v) => {
                let a = TimestampMicrosecondArray::from(
                    v.iter().map(|t| t.micros()).collect::<Vec<_>>(),
                )
                .with_timezone("UTC");
                let t = a.data_type().clone();
                (Arc::new(a), t)
            }
            ColumnData::Number(v) => (
                Arc::new(Float64Array::from_iter(
                    v.iter().map(|x| (!x.is_nan()).then_some(*x)),
                )),
                DataType::Float64,
            ),
            ColumnData::Flag(v) => (Arc::new(BooleanArray::from(v.clone())), DataType::Boolean),
            ColumnData::Category(c) => {
                let keys = c
                    .codes()
                    .iter()
                    .map(|&k| {
                        if k == CategoryColumn::MISSING {
                            Ok(None)
                        } else {
                            i32::try_from(k).map(Some).map_err(|_| WriteError::Shape {
                                message: format!("column `{name}` has over 2^31 distinct values"),
                            })
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let values = StringArray::from_iter_values(c.dictionary());
                let a =
                    DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), Arc::new(values))
                        .map_err(|e| WriteError::Encode(Box::new(e)))?;
                let t = a.data_type().clone();
                (Arc::new(a), t)
            }
        })
    }
}

/// A typed table to write: named columns of equal length.
///
/// A [`Frame`] converts with [`Table::from_frame`]; other rows (a strategy's results) are
/// built column by column with [`Table::with_column`].
///
/// # Examples
/// ```
/// use stratos_ingest::arrow::{ColumnData, Table};
/// # fn main() -> Result<(), stratos_ingest::arrow::WriteError> {
/// let table = Table::new()
///     .with_column("value", ColumnData::Number(vec![1.0, f64::NAN]))?
///     .with_column("flag", ColumnData::Flag(vec![Some(true), None]))?;
/// let mut parquet = Vec::new();
/// table.write_parquet(&mut parquet)?;
/// assert!(parquet.starts_with(b"PAR1"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    columns: Vec<(String, ColumnData)>,
}

impl Table {
    /// A table with no columns.
    pub fn new() -> Self {
        Table::default()
    }

    /// A frame's columns: the time column first, then the numeric columns, then the
    /// category columns.
    pub fn from_frame(frame: &Frame) -> Self {
        let schema = frame.schema();
        let mut columns = Vec::new();
        if let (Some(name), Some(ts)) = (&schema.timestamp_field, frame.timestamps()) {
            columns.push((name.clone(), ColumnData::Time(ts.to_vec())));
        }
        for c in frame.numeric_columns() {
            columns.push((c.name.clone(), ColumnData::Number(c.values.clone())));
        }
        for c in frame.category_columns() {
            columns.push((c.name().to_owned(), ColumnData::Category(c.clone())));
        }
        Table { columns }
    }

    /// Adds a column.
    ///
    /// # Errors
    /// [`WriteError::Shape`] when its length differs from the other columns' or its name is
    /// taken.
    pub fn with_column(
        mut self,
        name: impl Into<String>,
        data: ColumnData,
    ) -> Result<Self, WriteError> {
        let name = name.into();
        if self.columns.iter().any(|(n, _)| *n == name) {
            return Err(WriteError::Shape {
                message: format!("two columns are named `{name}`"),
            });
        }
        if let Some((first, c)) = self.columns.first()
            && c.len() != data.len()
        {
            return Err(WriteError::Shape {
                message: format!(
                    "column `{name}` has {} rows, `{first}` {}",
                    data.len(),
                    c.len()
                ),
            });
        }
        self.columns.push((name, data));
        Ok(self)
    }

    /// Appends `other`'s rows below this table's. An empty table (no columns) takes
    /// `other` as it is.
    ///
    /// # Errors
    /// [`WriteError::Shape`] when the column names or kinds differ.
    pub fn append(&mut self, other: Table) -> Result<(), WriteError> {
        if self.columns.is_empty() {
            *self = other;
            return Ok(());
        }
        let names = |t: &Table| t.names().collect::<Vec<_>>().join(",");
        if self.columns.len() != other.columns.len()
            || self
                .columns
                .iter()
                .zip(&other.columns)
                .any(|((a, x), (b, y))| a != b || x.kind() != y.kind())
        {
            return Err(WriteError::Shape {
                message: format!("columns {} differ from {}", names(&other), names(self)),
            });
        }
        for ((name, a), (_, b)) in self.columns.iter_mut().zip(other.columns) {
            a.extend(b).map_err(|_| WriteError::Shape {
                message: format!("column `{name}` changes kind"),
            })?;
        }
        Ok(())
    }

    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(n, _)| n.as_str())
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&ColumnData> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// The number of rows (0 without columns).
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table as one Arrow record batch.
    ///
    /// # Errors
    /// [`WriteError::Shape`] for a text column with over 2³¹ distinct values;
    /// [`WriteError::Encode`] when Arrow refuses the columns.
    pub fn to_record_batch(&self) -> Result<RecordBatch, WriteError> {
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays = Vec::with_capacity(self.columns.len());
        for (name, c) in &self.columns {
            let (array, t) = c.to_array(name)?;
            fields.push(Field::new(name, t, true));
            arrays.push(array);
        }
        let schema = Arc::new(Schema::new(fields));
        let options = ::arrow::array::RecordBatchOptions::new().with_row_count(Some(self.len()));
        RecordBatch::try_new_with_options(schema, arrays, &options)
            .map_err(|e| WriteError::Encode(Box::new(e)))
    }

    /// Writes the table as a Parquet file (Snappy-compressed pages, the Arrow schema kept in
    /// the file's metadata so types read back as written).
    ///
    /// # Errors
    /// As [`Table::to_record_batch`]; [`WriteError::Encode`] when writing fails (an I/O
    /// error included).
    pub fn write_parquet<W: Write + Send>(&self, out: W) -> Result<(), WriteError> {
        let batch = self.to_record_batch()?;
        write_parquet_batches(out, &[batch], None)
    }

    /// Writes the table as an Arrow IPC file (`ARROW1`, Feather v2).
    ///
    /// # Errors
    /// As [`Table::write_parquet`].
    pub fn write_ipc<W: Write>(&self, out: W) -> Result<(), WriteError> {
        let batch = self.to_record_batch()?;
        let enc = |e: ::arrow::error::ArrowError| WriteError::Encode(Box::new(e));
        let mut w = ::arrow::ipc::writer::FileWriter::try_new(out, &batch.schema()).map_err(enc)?;
        w.write(&batch).map_err(enc)?;
        w.finish().map_err(enc)
    }
}

/// Writes record batches of one schema as a Parquet file, each row group holding at most
/// `row_group_rows` rows (the writer's default when `None`).
pub(crate) fn write_parquet_batches<W: Write + Send>(
    out: W,
    batches: &[RecordBatch],
    row_group_rows: Option<usize>,
) -> Result<(), WriteError> {
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    let enc = |e: parquet::errors::ParquetError| WriteError::Encode(Box::new(e));
    let Some(first) = batches.first() else {
        return Err(WriteError::Shape {
            message: "no record batch to write".into(),
        });
    };
    let mut props = WriterProperties::builder().set_compression(Compression::SNAPPY);
    if let Some(rows) = row_group_rows {
        props = props.set_max_row_group_row_count(Some(rows.max(1)));
    }
    let mut w = parquet::arrow::ArrowWriter::try_new(out, first.schema(), Some(props.build()))
        .map_err(enc)?;
    for b in batches {
        w.write(b).map_err(enc)?;
    }
    w.close().map_err(enc)?;
    Ok(())
}
