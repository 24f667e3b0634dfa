//! The columnar batch that ingest produces and strategies read.

use std::collections::HashMap;

use crate::error::{FrameError, RecordError};
use crate::record::Record;
use crate::schema::Schema;
use crate::series::Series;
use crate::timestamp::Timestamp;
use crate::value::Value;

/// A named numeric column, NaN for missing.
#[derive(Debug, Clone, PartialEq)]
pub struct NumericColumn {
    /// The column name.
    pub name: String,
    /// One value per row, NaN where missing.
    pub values: Vec<f64>,
}

/// A named text column, dictionary-encoded: each row holds a code into `dictionary`.
#[derive(Clone, PartialEq, Default)]
pub struct CategoryColumn {
    name: String,
    dictionary: Vec<String>,
    index: HashMap<String, u32>,
    codes: Vec<u32>,
}

impl CategoryColumn {
    /// The code of a missing cell.
    pub const MISSING: u32 = u32::MAX;

    /// An empty column.
    pub fn new(name: impl Into<String>) -> Self {
        CategoryColumn {
            name: name.into(),
            ..CategoryColumn::default()
        }
    }

    /// A column from a dictionary of distinct values and one code per row into it
    /// ([`CategoryColumn::MISSING`] for a missing cell), for readers that encode in bulk.
    ///
    /// # Errors
    /// [`FrameError::Category`] when a dictionary value repeats or a code points past the
    /// dictionary.
    pub fn from_parts(
        name: impl Into<String>,
        dictionary: Vec<String>,
        codes: Vec<u32>,
    ) -> Result<Self, FrameError> {
        let name = name.into();
        let mut index = HashMap::with_capacity(dictionary.len());
        for (i, v) in dictionary.iter().enumerate() {
            let code = u32::try_from(i).ok().filter(|c| *c != Self::MISSING);
            match code {
                Some(c) if index.insert(v.clone(), c).is_none() => {}
                _ => {
                    return Err(FrameError::Category {
                        column: name,
                        message: format!(
                            "dictionary value `{v}` at {i} repeats or exceeds the code range"
                        ),
                    });
                }
            }
        }
        if let Some((row, code)) = codes
            .iter()
            .enumerate()
            .find(|(_, c)| **c != Self::MISSING && **c as usize >= dictionary.len())
        {
            return Err(FrameError::Category {
                column: name,
                message: format!(
                    "row {row}: code {code} is past the dictionary of {} values",
                    dictionary.len()
                ),
            });
        }
        Ok(CategoryColumn {
            name,
            dictionary,
            index,
            codes,
        })
    }

    /// Appends a row (`None` for a missing cell).
    pub fn push(&mut self, value: Option<&str>) {
        let code = match value {
            None => Self::MISSING,
            Some(v) => match self.index.get(v) {
                Some(&c) => c,
                None => {
                    // More than u32::MAX - 1 distinct values cannot fit in memory anyway;
                    // saturate to MISSING rather than wrap.
                    let c = u32::try_from(self.dictionary.len()).unwrap_or(Self::MISSING);
                    self.dictionary.push(v.to_owned());
                    self.index.insert(v.to_owned(), c);
                    c
                }
            },
        };
        self.codes.push(code);
    }

    /// The column name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of row `row`, `None` when missing or out of range.
    pub fn get(&self, row: usize) -> Option<&str> {
        let code = *self.codes.get(row)?;
        self.dictionary.get(code as usize).map(String::as_str)
    }

    /// The distinct values, in order of first appearance.
    pub fn dictionary(&self) -> &[String] {
        &self.dictionary
    }

    /// One code per row into [`CategoryColumn::dictionary`], [`CategoryColumn::MISSING`] for
    /// missing cells.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

impl std::fmt::Debug for CategoryColumn {
    /// The name, dictionary and codes; the lookup index is derived and left out, so equal
    /// columns print alike.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CategoryColumn")
            .field("name", &self.name)
            .field("dictionary", &self.dictionary)
            .field("codes", &self.codes)
            .finish()
    }
}

/// A columnar batch: an optional time column, numeric columns (f64, NaN for missing), category
/// columns, and the [`Schema`] that names their roles.
///
/// # Examples
/// ```
/// use stratos_core::{Frame, NumericColumn, Timestamp};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ts = vec![Timestamp::parse("2025-01-01")?, Timestamp::parse("2025-01-02")?];
/// let frame = Frame::builder()
///     .timestamps("date", ts)
///     .numeric("close", vec![10.0, 11.0])
///     .build()?;
/// assert_eq!(frame.len(), 2);
/// assert_eq!(frame.main_series().map(|s| s.values), Some(&[10.0, 11.0][..]));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    len: usize,
    timestamps: Option<Vec<Timestamp>>,
    numeric: Vec<NumericColumn>,
    categories: Vec<CategoryColumn>,
    schema: Schema,
}

impl Frame {
    /// Starts a frame.
    pub fn builder() -> FrameBuilder {
        FrameBuilder::default()
    }

    /// A frame holding one numeric column, no time column.
    pub fn from_values(name: &str, values: Vec<f64>) -> Self {
        let len = values.len();
        Frame {
            len,
            timestamps: None,
            schema: Schema {
                value_fields: vec![name.to_owned()],
                ..Schema::default()
            },
            numeric: vec![NumericColumn {
                name: name.to_owned(),
                values,
            }],
            categories: Vec::new(),
        }
    }

    /// Builds a frame from records: `stream_id` becomes a category column, numeric payload
    /// fields numeric columns (a field is numeric when every non-null value is a number), other
    /// fields category columns (numbers and bools in them kept as text), in order of first
    /// appearance. Time comes from [`Record::time`]; if any record has one, all must.
    ///
    /// # Errors
    /// [`FrameError::Record`] with the record index when a record's time is missing or
    /// unreadable while others have one.
    pub fn from_records(records: &[Record]) -> Result<Self, FrameError> {
        let mut order: Vec<&str> = Vec::new();
        let mut numeric_ok: HashMap<&str, bool> = HashMap::new();
        for r in records {
            for (k, v) in &r.payload {
                if k == "timestamp" && r.timestamp.is_none() {
                    continue;
                }
                let ok = numeric_ok.entry(k.as_str()).or_insert_with(|| {
                    order.push(k.as_str());
                    true
                });
                *ok &= matches!(v, Value::Number(_) | Value::Null);
            }
        }
        let times: Vec<Option<Timestamp>> = records
            .iter()
            .enumerate()
            .map(|(row, r)| {
                r.time()
                    .map_err(|source| FrameError::Record { row, source })
            })
            .collect::<Result<_, _>>()?;
        let mut b = Frame::builder();
        if times.iter().any(Option::is_some) {
            let ts = times
                .iter()
                .enumerate()
                .map(|(row, t)| {
                    t.ok_or_else(|| FrameError::Record {
                        row,
                        source: RecordError::Field {
                            field: "timestamp".into(),
                            expected: "a timestamp, as the other records have".into(),
                            found: "nothing".into(),
                        },
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            b = b.timestamps("timestamp", ts);
        }
        let mut stream = CategoryColumn::new("stream_id");
        for r in records {
            stream.push(Some(&r.stream_id));
        }
        b = b.category(stream);
        for name in order {
            if numeric_ok.get(name).copied().unwrap_or(false) {
                let values = records
                    .iter()
                    .map(|r| {
                        r.payload
                            .get(name)
                            .and_then(Value::as_f64)
                            .unwrap_or(f64::NAN)
                    })
                    .collect();
                b = b.numeric(name, values);
            } else {
                let mut col = CategoryColumn::new(name);
                for r in records {
                    match r.payload.get(name) {
                        None | Some(Value::Null) => col.push(None),
                        Some(Value::Text(s)) => col.push(Some(s)),
                        Some(Value::Number(v)) => col.push(Some(&v.to_string())),
                        Some(Value::Bool(v)) => col.push(Some(if *v { "true" } else { "false" })),
                    }
                }
                b = b.category(col);
            }
        }
        b.build()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the frame has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The schema: which column is time, which are values and categories.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Mutable access to the schema's units (the only part that may change after building).
    pub fn units_mut(&mut self) -> &mut std::collections::BTreeMap<String, String> {
        &mut self.schema.units
    }

    /// The time column, if the frame has one.
    pub fn timestamps(&self) -> Option<&[Timestamp]> {
        self.timestamps.as_deref()
    }

    /// The numeric columns, in schema order.
    pub fn numeric_columns(&self) -> &[NumericColumn] {
        &self.numeric
    }

    /// The category columns, in schema order.
    pub fn category_columns(&self) -> &[CategoryColumn] {
        &self.categories
    }

    /// A numeric column's values.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.numeric
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }

    /// A category column.
    pub fn category(&self, name: &str) -> Option<&CategoryColumn> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// A numeric column as a [`Series`] with the frame's timestamps.
    pub fn series(&self, name: &str) -> Option<Series<'_>> {
        self.numeric
            .iter()
            .find(|c| c.name == name)
            .map(|c| Series {
                name: &c.name,
                values: &c.values,
                timestamps: self.timestamps.as_deref(),
            })
    }

    /// The series of [`Schema::main_value_field`].
    pub fn main_series(&self) -> Option<Series<'_>> {
        self.schema.main_value_field().and_then(|f| self.series(f))
    }
}

/// Column names taken as the stream id by [`Frame::stream_field`], in order of preference
/// (matched ignoring ASCII case): the seed envelope's `stream_id`, then `stream`.
pub const STREAM_FIELDS: [&str; 2] = ["stream_id", "stream"];

/// Row groups by key, as returned by [`Frame::group_rows`]: each distinct key (`None` for a
/// missing cell) with its rows' positions, ascending.
pub type RowGroups = Vec<(Option<String>, Vec<usize>)>;

/// The rows of a frame that share one key, as returned by [`Frame::split_by`].
#[derive(Debug, Clone, PartialEq)]
pub struct FrameGroup {
    /// The key: the cell's text (a number in its shortest decimal form, `1` for `1.0`);
    /// `None` for the rows where the key cell is missing (or NaN).
    pub key: Option<String>,
    /// The rows' positions in the source frame, ascending (file order).
    pub rows: Vec<usize>,
    /// Those rows as a frame of their own: the same columns in the same order, except that a
    /// numeric key column becomes a category column (holding the key text), so a strategy
    /// picking "the first numeric field" never analyses stream ids.
    pub frame: Frame,
}

impl Frame {
    /// The column holding stream ids, if any: the first of [`STREAM_FIELDS`] (ignoring ASCII
    /// case) that names a category or numeric column. Records read by
    /// [`Frame::from_records`] always have one (`stream_id`, from the envelope).
    ///
    /// # Examples
    /// ```
    /// use stratos_core::{CategoryColumn, Frame};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut stream = CategoryColumn::new("Stream");
    /// stream.push(Some("a"));
    /// let frame = Frame::builder().numeric("value", vec![1.0]).category(stream).build()?;
    /// assert_eq!(frame.stream_field(), Some("Stream"));
    /// assert_eq!(Frame::from_values("value", vec![1.0]).stream_field(), None);
    /// # Ok(()) }
    /// ```
    pub fn stream_field(&self) -> Option<&str> {
        STREAM_FIELDS.iter().find_map(|want| {
            self.categories
                .iter()
                .map(|c| c.name.as_str())
                .chain(self.numeric.iter().map(|c| c.name.as_str()))
                .find(|name| name.eq_ignore_ascii_case(want))
        })
    }

    /// The rows of each distinct value of column `field` (a category or numeric column), in
    /// order of the value's first appearance; within a group the rows keep their order.
    /// Missing cells (and NaN) form one group keyed `None`, placed at its first appearance
    /// too. An empty frame has no groups.
    ///
    /// # Errors
    /// [`FrameError::MissingColumn`] when `field` names neither a category nor a numeric
    /// column (the time column cannot be a key).
    pub fn group_rows(&self, field: &str) -> Result<RowGroups, FrameError> {
        /// Appends `row` to the group of `key`, opening the group at its first appearance.
        fn add<K: std::hash::Hash + Eq>(
            groups: &mut RowGroups,
            slot: &mut HashMap<K, usize>,
            id: K,
            key: impl FnOnce() -> Option<String>,
            row: usize,
        ) {
            let i = *slot.entry(id).or_insert_with(|| {
                groups.push((key(), Vec::new()));
                groups.len() - 1
            });
            if let Some((_, rows)) = groups.get_mut(i) {
                rows.push(row);
            }
        }
        let mut groups = RowGroups::new();
        if let Some(c) = self.category(field) {
            // By code: one integer lookup per row, no string per row.
            let mut slot = HashMap::new();
            for (row, &code) in c.codes.iter().enumerate() {
                let key = || c.dictionary.get(code as usize).cloned();
                add(&mut groups, &mut slot, code, key, row);
            }
            return Ok(groups);
        }
        let Some(values) = self.column(field) else {
            return Err(FrameError::MissingColumn {
                column: field.to_owned(),
                available: self
                    .schema
                    .category_fields
                    .iter()
                    .chain(&self.schema.value_fields)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let mut slot = HashMap::new();
        for (row, v) in values.iter().enumerate() {
            let key = (!v.is_nan()).then(|| v.to_string());
            add(&mut groups, &mut slot, key.clone(), || key, row);
        }
        Ok(groups)
    }

    /// A frame of the given rows, in the given order, with the same columns and units.
    ///
    /// # Errors
    /// [`FrameError::Row`] when a row is past the frame's end.
    pub fn select_rows(&self, rows: &[usize]) -> Result<Frame, FrameError> {
        if let Some(&row) = rows.iter().find(|&&r| r >= self.len) {
            return Err(FrameError::Row { row, len: self.len });
        }
        let pick = |values: &[f64]| -> Vec<f64> {
            rows.iter()
                .map(|&r| values.get(r).copied().unwrap_or(f64::NAN))
                .collect()
        };
        let mut b = Frame::builder();
        if let (Some(name), Some(ts)) = (&self.schema.timestamp_field, &self.timestamps) {
            b = b.timestamps(
                name.clone(),
                rows.iter().filter_map(|&r| ts.get(r).copied()).collect(),
            );
        }
        for c in &self.numeric {
            b = b.numeric(c.name.clone(), pick(&c.values));
        }
        for c in &self.categories {
            let mut col = CategoryColumn::new(c.name.clone());
            for &r in rows {
                col.push(c.get(r));
            }
            b = b.category(col);
        }
        b.units = self.schema.units.clone();
        b.build()
    }

    /// Splits the frame by the values of column `field` (see [`Frame::group_rows`] for the
    /// order and the keys): one [`FrameGroup`] per distinct value, each with its rows as a
    /// frame. Used by batch runs over a file holding several streams, so that each stream is
    /// analysed on its own, as the streaming engine keeps one state per stream.
    ///
    /// # Errors
    /// [`FrameError::MissingColumn`] when `field` names no category or numeric column.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::{CategoryColumn, Frame};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut stream = CategoryColumn::new("stream_id");
    /// for s in ["b", "a", "b"] {
    ///     stream.push(Some(s));
    /// }
    /// let frame = Frame::builder()
    ///     .numeric("value", vec![1.0, 2.0, 3.0])
    ///     .category(stream)
    ///     .build()?;
    /// let groups = frame.split_by("stream_id")?;
    /// assert_eq!(groups[0].key.as_deref(), Some("b"));
    /// assert_eq!(groups[0].frame.column("value"), Some(&[1.0, 3.0][..]));
    /// assert_eq!(groups[1].rows, [1]);
    /// # Ok(()) }
    /// ```
    pub fn split_by(&self, field: &str) -> Result<Vec<FrameGroup>, FrameError> {
        let numeric_key = self.category(field).is_none();
        self.group_rows(field)?
            .into_iter()
            .map(|(key, rows)| {
                let mut frame = self.select_rows(&rows)?;
                if numeric_key {
                    frame = frame.key_as_category(field, key.as_deref())?;
                }
                Ok(FrameGroup { key, rows, frame })
            })
            .collect()
    }

    /// This frame with numeric column `field` replaced by a category column holding `key` in
    /// every row.
    fn key_as_category(self, field: &str, key: Option<&str>) -> Result<Frame, FrameError> {
        let mut col = CategoryColumn::new(field);
        for _ in 0..self.len {
            col.push(key);
        }
        let mut b = Frame::builder();
        if let (Some(name), Some(ts)) = (self.schema.timestamp_field, self.timestamps) {
            b = b.timestamps(name, ts);
        }
        for c in self.numeric.into_iter().filter(|c| c.name != field) {
            b = b.numeric(c.name, c.values);
        }
        b = b.category(col);
        for c in self.categories {
            b = b.category(c);
        }
        b.units = self.schema.units;
        b.build()
    }
}

/// Assembles a [`Frame`] column by column; [`FrameBuilder::build`] checks lengths and names.
#[derive(Debug, Default, Clone)]
pub struct FrameBuilder {
    timestamp_field: Option<String>,
    timestamps: Option<Vec<Timestamp>>,
    numeric: Vec<NumericColumn>,
    categories: Vec<CategoryColumn>,
    units: std::collections::BTreeMap<String, String>,
}

impl FrameBuilder {
    /// Sets the time column.
    pub fn timestamps(mut self, name: impl Into<String>, values: Vec<Timestamp>) -> Self {
        self.timestamp_field = Some(name.into());
        self.timestamps = Some(values);
        self
    }

    /// Adds a numeric column.
    pub fn numeric(mut self, name: impl Into<String>, values: Vec<f64>) -> Self {
        self.numeric.push(NumericColumn {
            name: name.into(),
            values,
        });
        self
    }

    /// Adds a category column.
    pub fn category(mut self, column: CategoryColumn) -> Self {
        self.categories.push(column);
        self
    }

    /// Records a field's unit.
    pub fn unit(mut self, field: impl Into<String>, unit: impl Into<String>) -> Self {
        self.units.insert(field.into(), unit.into());
        self
    }

    /// Checks the columns and builds the frame.
    ///
    /// # Errors
    /// [`FrameError::Length`] when columns differ in length; [`FrameError::DuplicateColumn`]
    /// when two columns share a name.
    pub fn build(self) -> Result<Frame, FrameError> {
        let len = self
            .timestamps
            .as_ref()
            .map(Vec::len)
            .or_else(|| self.numeric.first().map(|c| c.values.len()))
            .or_else(|| self.categories.first().map(CategoryColumn::len))
            .unwrap_or(0);
        let mut seen = std::collections::HashSet::new();
        let names = self
            .timestamp_field
            .iter()
            .map(|n| (n.as_str(), self.timestamps.as_ref().map_or(0, Vec::len)))
            .chain(
                self.numeric
                    .iter()
                    .map(|c| (c.name.as_str(), c.values.len())),
            )
            .chain(self.categories.iter().map(|c| (c.name.as_str(), c.len())));
        for (name, n) in names {
            if !seen.insert(name) {
                return Err(FrameError::DuplicateColumn {
                    column: name.to_owned(),
                });
            }
            if n != len {
                return Err(FrameError::Length {
                    column: name.to_owned(),
                    expected: len,
                    got: n,
                });
            }
        }
        let schema = Schema {
            timestamp_field: self.timestamp_field,
            value_fields: self.numeric.iter().map(|c| c.name.clone()).collect(),
            category_fields: self.categories.iter().map(|c| c.name.clone()).collect(),
            units: self.units,
        };
        Ok(Frame {
            len,
            timestamps: self.timestamps,
            numeric: self.numeric,
            categories: self.categories,
            schema,
        })
    }
}

#[cfg(test)]
mod tests;
